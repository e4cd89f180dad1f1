// 1,000 real processes: both back ends list every one with the right parent, and the tree and
// the kill-tree handle them.
import * as assert from 'assert';
import { LaunchRegistry, ProcessMonitor, ProcfsSource, PsListSource, buildTree, killTree } from '../../../src/procs';
import { Fixture, stopAll, waitFor } from './helpers';

const N = 1000;

describe(`procs: ${N} processes`, function () {
  this.timeout(120000);
  let fx: Fixture;
  let parent: number;
  let children: number[];

  before(async function () {
    if (!ProcfsSource.available()) this.skip();
    const started = await Fixture.start('many_children.py', [String(N)]);
    fx = started.fx;
    const info = await fx.nextJson<{ parent: number; children: number[] }>(90000);
    parent = info.parent;
    children = info.children;
    // No per-pid tracking needed: PDEATHSIG and the subreaper end them with their parent.
  });
  after(stopAll);

  for (const make of [() => new ProcfsSource(), () => new PsListSource()]) {
    const source = make();
    it(`${source.id} lists all ${N} children under their parent`, async () => {
      const records = await source.list();
      const mine = records.filter((r) => r.ppid === parent);
      assert.strictEqual(mine.length, N);
      assert.deepStrictEqual(new Set(mine.map((r) => r.pid)), new Set(children));
      const model = await new ProcessMonitor({ source, registry: new LaunchRegistry() }).sample();
      const tree = buildTree(model, 'python', { rootPid: parent });
      assert.strictEqual(tree.ordered.length, N + 1);
      assert.strictEqual(tree.children.get(model.byPid.get(parent)!.key)!.length, N);
      // Forked children keep their parent's command line: all are fork children.
      assert.ok(tree.ordered.slice(1).every((n) => n.role === 'fork-child'));
    });
  }

  it(`kills the tree of ${N + 1} processes`, async () => {
    const source = new ProcfsSource();
    const root = (await source.get(parent))!;
    const result = await killTree(source, { pid: root.pid, startToken: root.startToken }, 'SIGKILL');
    assert.strictEqual(result.signalled.length + result.vanished.length, N + 1);
    await waitFor('all gone', async () => {
      const left = (await source.list()).filter((r) => children.includes(r.pid) && r.ppid === parent);
      return left.length === 0;
    }, 30000);
  });
});
