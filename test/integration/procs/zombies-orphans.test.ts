// Real zombies and orphans below a subreaper that the test sets up itself (so the result is the
// same with or without systemd), and real multiprocessing roles for each start method.
import * as assert from 'assert';
import {
  LaunchRegistry,
  ProcessMonitor,
  ProcfsSource,
  buildTree,
  zombieSummary,
  type ProcessModel,
} from '../../../src/procs';
import { Fixture, sleep, stopAll, waitFor } from './helpers';

describe('procs: zombies, orphans and roles with real processes (procfs)', function () {
  this.timeout(60000);

  before(function () {
    if (!ProcfsSource.available()) this.skip();
  });
  afterEach(stopAll);

  const monitorOf = (registry = new LaunchRegistry()) => new ProcessMonitor({ source: new ProcfsSource(), registry });

  it('reports a zombie with the parent that does not reap it, and for how long as far as it can tell', async () => {
    const { fx, subreaper } = await Fixture.start('family.py', ['--zombies', '2', '--sleepers', '1']);
    const fam = await fx.nextJson<{ parent: number; zombies: number[]; sleepers: number[] }>();
    fx.track(fam.parent, ...fam.zombies, ...fam.sleepers);
    const monitor = monitorOf();
    await monitor.sample();
    await sleep(1100);
    const model = await monitor.sample();
    for (const z of fam.zombies) {
      const node = model.byPid.get(z)!;
      assert.strictEqual(node.record.state, 'zombie');
      assert.strictEqual(node.zombie!.parentPid, fam.parent);
      assert.strictEqual(node.zombie!.parentIsAdopter, false);
      // First seen as a zombie: "at least" since then, and the summary says the OS does not know more.
      assert.ok(model.takenAt - node.zombie!.zombieSince >= 1000);
      const text = zombieSummary(node, model)!;
      assert.match(text, new RegExp(`not reaped by its parent ${fam.parent}`));
      assert.match(text, /at least 1 s/);
      assert.match(text, /does not record when it exited/);
      assert.ok(!node.orphan, 'a zombie whose parent lives is not an orphan');
    }
    // The parent is the main script below the subreaper; its live child is a fork child.
    assert.strictEqual(model.byPid.get(fam.parent)!.ppid, subreaper);
    assert.strictEqual(model.byPid.get(fam.parent)!.role, 'main');
    assert.strictEqual(model.byPid.get(fam.sleepers[0])!.role, 'fork-child');
    const tree = buildTree(model, 'python', { rootPid: subreaper });
    assert.deepStrictEqual(
      tree.zombies.map((n) => n.pid).sort(),
      [...fam.zombies].sort(),
    );
  });

  it('knows when a zombie exited when it saw it alive just before', async () => {
    const { fx } = await Fixture.start('family.py', ['--sleepers', '1']);
    const fam = await fx.nextJson<{ parent: number; sleepers: number[] }>();
    fx.track(fam.parent, ...fam.sleepers);
    const monitor = monitorOf();
    const alive = await monitor.sample();
    const command = alive.byPid.get(fam.sleepers[0])!.command;
    // The sleeper exits; its parent never reaps it.
    process.kill(fam.sleepers[0], 'SIGKILL');
    const model = await waitFor('the sleeper to be a zombie', async () => {
      const m = await monitor.sample();
      return m.byPid.get(fam.sleepers[0])?.zombie ? m : undefined;
    });
    const node = model.byPid.get(fam.sleepers[0])!;
    assert.ok(node.zombie!.lastAliveAt !== undefined);
    assert.ok(node.zombie!.lastAliveAt! <= node.zombie!.zombieSince);
    assert.match(zombieSummary(node, model)!, /exited between/);
    // The zombie keeps the command line it had alive, and with it its role.
    assert.strictEqual(node.command, command);
    assert.strictEqual(node.role, 'fork-child');
  });

  for (const method of ['fork', 'spawn'] as const) {
    it(`finds a ${method} child orphaned below the subreaper, without having watched it (session rule)`, async () => {
      const { fx, subreaper } = await Fixture.start('family.py', ['--method', method, '--sleepers', '1']);
      const fam = await fx.nextJson<{ parent: number; sleepers: number[] }>();
      fx.track(...fam.sleepers);
      fx.send('exit');
      const orphan = fam.sleepers[0];
      // A fresh monitor, as after a restart: no history, no launch record.
      const model = await waitFor('re-parenting', async () => {
        const m = await monitorOf().sample();
        return m.byPid.get(orphan)?.ppid === subreaper ? m : undefined;
      });
      const node = model.byPid.get(orphan)!;
      assert.notStrictEqual(node.ppid, 1, 'adopted by the subreaper, not init');
      assert.ok(node.orphan, 'not flagged as an orphan');
      assert.strictEqual(node.orphan[0].rule, 'session-mismatch');
      assert.strictEqual(node.orphan[0].strength, 'strong');
      assert.match(node.orphan[0].detail, new RegExp(`parent ${subreaper}`));
      assert.strictEqual(node.role, method === 'spawn' ? 'spawn-child' : 'main');
      // The subreaper itself is a session leader started by this test: not an orphan.
      assert.ok(!model.byPid.get(subreaper)!.orphan);
    });
  }

  it('uses the launch record as proof when mpscope started the process', async () => {
    const { fx, subreaper } = await Fixture.start('family.py', ['--sleepers', '1']);
    const fam = await fx.nextJson<{ parent: number; sleepers: number[] }>();
    fx.track(...fam.sleepers);
    const registry = new LaunchRegistry();
    registry.markLaunched(fam.sleepers[0], fam.parent);
    registry.markLaunched(fam.parent, subreaper);
    const monitor = monitorOf(registry);
    let model: ProcessModel = await monitor.sample();
    assert.ok(!model.byPid.get(fam.sleepers[0])!.orphan, 'still under its original parent');
    assert.ok(model.byPid.get(fam.sleepers[0])!.launched);
    fx.send('exit');
    model = await waitFor('re-parenting', async () => {
      const m = await monitor.sample();
      return m.byPid.get(fam.sleepers[0])?.ppid === subreaper ? m : undefined;
    });
    const node = model.byPid.get(fam.sleepers[0])!;
    assert.strictEqual(node.orphan![0].rule, 'launched-parent-changed');
    assert.strictEqual(node.orphan![0].strength, 'proof');
    // Still a member of the run although its launched parent is gone.
    assert.ok(node.runMember);
    assert.ok(buildTree(model, 'mpscope').ordered.some((n) => n.pid === node.pid));
  });

  it('recognises the spawn start method: spawn children and the resource_tracker helper', async () => {
    const { fx } = await Fixture.start('family.py', ['--method', 'spawn', '--sleepers', '2']);
    const fam = await fx.nextJson<{ parent: number; sleepers: number[] }>();
    fx.track(...fam.sleepers);
    const model = await monitorOf().sample();
    for (const s of fam.sleepers) {
      const n = model.byPid.get(s)!;
      assert.strictEqual(n.role, 'spawn-child');
      assert.strictEqual(n.startMethod, 'spawn');
      assert.strictEqual(n.helper, false);
    }
    const parent = model.byPid.get(fam.parent)!;
    const helpers = parent.childKeys.map((k) => model.nodes.get(k)!).filter((n) => n.helper);
    assert.deepStrictEqual(helpers.map((n) => n.role), ['resource-tracker']);
  });

  it('recognises the forkserver, its children and Pool workers it forks', async () => {
    const { fx } = await Fixture.start('family.py', ['--method', 'forkserver', '--sleepers', '1', '--pool', '2']);
    const fam = await fx.nextJson<{ parent: number; sleepers: number[]; pool: number[] }>();
    fx.track(...fam.sleepers, ...fam.pool);
    const model = await monitorOf().sample();
    const children = model.byPid.get(fam.parent)!.childKeys.map((k) => model.nodes.get(k)!);
    const server = children.find((n) => n.role === 'forkserver');
    assert.ok(server, `roles: ${children.map((n) => n.role)}`);
    assert.ok(server.helper);
    for (const pid of [...fam.sleepers, ...fam.pool]) {
      const n = model.byPid.get(pid)!;
      assert.strictEqual(n.parentKey, server.key, 'forkserver children hang under the forkserver');
      assert.strictEqual(n.role, 'forkserver-child');
    }
    assert.ok(children.some((n) => n.role === 'resource-tracker'));
  });

  it('names Pool workers when an mpscope run reports their multiprocessing names', async () => {
    const { fx } = await Fixture.start('family.py', ['--method', 'fork', '--pool', '2']);
    const fam = await fx.nextJson<{ parent: number; pool: number[] }>();
    fx.track(...fam.pool);
    const registry = new LaunchRegistry();
    registry.annotate(fam.pool[0], { mpName: 'ForkPoolWorker-1', startSite: { file: '/tmp/app.py', line: 12 } });
    const model = await monitorOf(registry).sample();
    assert.strictEqual(model.byPid.get(fam.pool[0])!.role, 'pool-worker');
    assert.strictEqual(model.byPid.get(fam.pool[0])!.annotation?.startSite?.line, 12);
    assert.strictEqual(model.byPid.get(fam.pool[1])!.role, 'fork-child');
  });
});
