// Signalling real processes: one process, a whole tree (children first, Pool included), and the
// refusals: PID 1, other users' processes, mpscope itself and its ancestors, zombies, vanished
// and reused pids.
import * as assert from 'assert';
import { once } from 'events';
import {
  LaunchRegistry,
  ProcessMonitor,
  ProcfsSource,
  SignalError,
  killTree,
  killVerdict,
  safetyContext,
  sendSignal,
  type ProcessRecord,
} from '../../../src/procs';
import { Fixture, PYTHON, spawnTracked, stateOf, stopAll, stopPlain, waitFor } from './helpers';

async function rejectsWith(p: Promise<unknown>, reason: string, message?: RegExp): Promise<SignalError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SignalError, `not a SignalError: ${err}`);
    assert.strictEqual(err.reason, reason, err.message);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected a SignalError (${reason})`);
}

describe('procs: signals and kill tree with real processes', function () {
  this.timeout(60000);
  let source: ProcfsSource;

  before(function () {
    if (!ProcfsSource.available()) this.skip();
    source = new ProcfsSource();
  });
  afterEach(async () => {
    await stopAll();
    await stopPlain();
  });

  const record = async (pid: number): Promise<ProcessRecord> => {
    const r = await source.get(pid);
    assert.ok(r, `pid ${pid} not found`);
    return r;
  };

  it('terminates one process after checking it is still the same process', async () => {
    const child = spawnTracked(PYTHON, ['-c', 'import sys; sys.stdin.read()']);
    const r = await waitFor('child listed', () => source.get(child.pid!));
    const exit = once(child, 'exit');
    await sendSignal(source, { pid: r.pid, startToken: r.startToken }, 'SIGTERM');
    const [, signal] = await exit;
    assert.strictEqual(signal, 'SIGTERM');
  });

  it('refuses a pid that now belongs to another process (PID reuse), and leaves it alone', async () => {
    const child = spawnTracked(PYTHON, ['-c', 'import sys; sys.stdin.read()']);
    const r = await waitFor('child listed', () => source.get(child.pid!));
    const stale = String(Number(r.startToken) - 1);
    await rejectsWith(sendSignal(source, { pid: r.pid, startToken: stale }, 'SIGKILL'), 'reused', /belongs to another process/);
    assert.ok(stateOf(r.pid) !== undefined, 'the process was signalled anyway');
  });

  it('says clearly that a process has already exited', async () => {
    const child = spawnTracked(PYTHON, ['-c', 'import sys; sys.stdin.read()']);
    const r = await waitFor('child listed', () => source.get(child.pid!));
    child.kill('SIGKILL');
    await once(child, 'exit');
    await rejectsWith(sendSignal(source, { pid: r.pid, startToken: r.startToken }, 'SIGTERM'), 'vanished', /has already exited/);
  });

  it('refuses PID 1, mpscope itself and its ancestors', async () => {
    await rejectsWith(sendSignal(source, { pid: 1, startToken: '' }, 'SIGTERM'), 'refused', /init/);
    const me = await record(process.pid);
    await rejectsWith(sendSignal(source, { pid: me.pid, startToken: me.startToken }, 'SIGTERM'), 'refused', /mpscope itself/);
    const parent = await record(process.ppid);
    await rejectsWith(sendSignal(source, { pid: parent.pid, startToken: parent.startToken }, 'SIGTERM'), 'refused', /ancestor of mpscope/);
    await rejectsWith(killTree(source, { pid: parent.pid, startToken: parent.startToken }, 'SIGKILL'), 'refused');
  });

  it("refuses another user's process", async function () {
    const safety = await safetyContext(source);
    let other: ProcessRecord | undefined;
    if (process.getuid?.() === 0) {
      // As root: start a process as `nobody` to have one that is not ours.
      const child = spawnTracked('sleep', ['60'], { uid: 65534, gid: 65534 });
      other = await waitFor('nobody process', () => source.get(child.pid!));
    } else {
      other = (await source.list()).find((r) => r.uid !== safety.selfUid && !r.kernelThread && r.pid > 1);
      if (!other) this.skip();
    }
    await rejectsWith(sendSignal(source, { pid: other!.pid, startToken: other!.startToken }, 'SIGKILL'), 'refused', /belongs to user/);
    assert.ok(stateOf(other!.pid) !== undefined, 'it was signalled anyway');
  });

  it('explains that a zombie cannot be signalled and points at its parent', async () => {
    const { fx } = await Fixture.start('family.py', ['--zombies', '1']);
    const fam = await fx.nextJson<{ parent: number; zombies: number[] }>();
    fx.track(fam.parent, ...fam.zombies);
    const z = await record(fam.zombies[0]);
    const err = await rejectsWith(sendSignal(source, { pid: z.pid, startToken: z.startToken }, 'SIGKILL'), 'zombie');
    assert.match(err.message, new RegExp(`its parent ${fam.parent}`));
  });

  it('asks before signalling what mpscope did not start, not what it did', async () => {
    const { fx } = await Fixture.start('family.py', ['--sleepers', '1']);
    const fam = await fx.nextJson<{ parent: number; sleepers: number[] }>();
    fx.track(...fam.sleepers);
    const registry = new LaunchRegistry();
    const safety = await safetyContext(source);
    let model = await new ProcessMonitor({ source, registry }).sample();
    assert.strictEqual(killVerdict(model.byPid.get(fam.parent)!, 'SIGTERM', safety).kind, 'confirm');
    registry.markLaunched(fam.parent, (await record(fam.parent)).ppid);
    model = await new ProcessMonitor({ source, registry }).sample();
    assert.strictEqual(killVerdict(model.byPid.get(fam.parent)!, 'SIGTERM', safety).kind, 'allow');
    // Its child belongs to the run too.
    assert.strictEqual(killVerdict(model.byPid.get(fam.sleepers[0])!, 'SIGTERM', safety).kind, 'allow');
    assert.strictEqual(killVerdict(model.byPid.get(1)!, 'SIGTERM', safety).kind, 'refuse');
  });

  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`kills a whole tree with ${signal}, children before parents, Pool workers included`, async () => {
      const { fx, subreaper } = await Fixture.start('family.py', ['--pool', '3', '--sleepers', '2']);
      const fam = await fx.nextJson<{ parent: number; sleepers: number[]; pool: number[] }>();
      fx.track(...fam.sleepers, ...fam.pool);
      const root = await record(fam.parent);
      const before = await source.descendants(root.pid);
      for (const pid of [...fam.sleepers, ...fam.pool]) assert.ok(before.includes(pid));
      const result = await killTree(source, { pid: root.pid, startToken: root.startToken }, signal);
      assert.deepStrictEqual(result.skipped, []);
      // Children first: the root comes last.
      assert.strictEqual(result.signalled[result.signalled.length - 1], root.pid);
      for (const pid of [...fam.sleepers, ...fam.pool]) {
        assert.ok(result.signalled.indexOf(pid) < result.signalled.indexOf(root.pid), `${pid} after its parent`);
      }
      // Everything is gone (or a zombie the subreaper is about to reap), and no replacement
      // Pool worker was started: nothing is left below the subreaper.
      await waitFor('the tree to be gone', async () => (await source.descendants(subreaper)).length === 0);
      for (const pid of [root.pid, ...before]) assert.strictEqual(stateOf(pid), undefined, `${pid} survived`);
    });
  }

  it('leaves no process stopped when it is refused part of a tree', async function () {
    if (process.getuid?.() !== 0) this.skip();
    // A tree whose child belongs to another user: that child is skipped (never stopped), the rest killed.
    const parent = spawnTracked(PYTHON, [
      '-c',
      'import os,subprocess,sys,time\np=subprocess.Popen(["sleep","60"],user=65534,group=65534)\nprint(p.pid,flush=True)\nsys.stdin.read()',
    ]);
    // Wait until the child really runs as nobody (after fork, setuid and exec).
    const other = await waitFor('nobody child', async () => {
      const kids = (await source.list()).filter((r) => r.ppid === parent.pid);
      return kids.length === 1 && kids[0].uid === 65534 && kids[0].name === 'sleep' ? kids[0].pid : undefined;
    });
    const root = await record(parent.pid!);
    const result = await killTree(source, { pid: root.pid, startToken: root.startToken }, 'SIGTERM');
    assert.deepStrictEqual(result.signalled, [root.pid], JSON.stringify(result));
    assert.strictEqual(result.skipped.length, 1);
    assert.strictEqual(result.skipped[0].pid, other);
    assert.match(result.skipped[0].reason, /belongs to user/);
    await waitFor('the other user\'s child to be adopted, alive and running', () => {
      const s = stateOf(other);
      return s === 'S' || s === 'R' ? s : undefined;
    });
    process.kill(other, 'SIGKILL'); // we are root: clean up what the refusal left
  });
});
