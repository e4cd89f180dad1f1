// The model over synthetic snapshots: parent links with the start-time rule (PID reuse), roles
// through ancestry, zombies, run membership, and the tree filters.
import * as assert from 'assert';
import {
  LaunchRegistry,
  ProcessTracker,
  buildModel,
  buildTree,
  depthOf,
  rememberedFrom,
  relevantRecords,
  type ProcessRecord,
} from '../../../src/procs';
import { PROCFS_CAPS, T0, rec } from './synthetic';

const MAIN = '/usr/bin/python3 app.py';
const SPAWN = '/usr/bin/python3 -c from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=5, pipe_handle=7) --multiprocessing-fork';
const TRACKER = '/usr/bin/python3 -c from multiprocessing.resource_tracker import main;main(5)';

/** Builds a model the way ProcessMonitor does, with a tracker carried across calls. */
function modeler(registry = new LaunchRegistry(), selfUid = 1000) {
  const tracker = new ProcessTracker();
  let clock = 0;
  return (records: ProcessRecord[]) => {
    clock += 1000;
    const observations = tracker.observe(records, T0 + 3_600_000 + clock, clock);
    const model = buildModel(records, {
      takenAt: T0 + 3_600_000 + clock,
      sourceId: 'test',
      capabilities: PROCFS_CAPS,
      observations,
      registry,
      isLearnedAdopter: (k) => tracker.isLearnedAdopter(k),
      selfPid: 999_999,
      selfUid,
    });
    tracker.remember(rememberedFrom(model));
    return model;
  };
}

// init, a shell, a Python program with a spawn child, a resource tracker, a zombie, plus other stuff.
function family(): ProcessRecord[] {
  return [
    rec(1, 0, '/sbin/init', { start: 0, uid: 0, sid: 1, pgid: 1 }),
    rec(2, 0, '', { start: 0, uid: 0, name: 'kthreadd', kernelThread: true }),
    rec(50, 2, '', { start: 0, uid: 0, name: 'kworker/0:1', kernelThread: true }),
    rec(100, 1, '/bin/bash', { start: 10, sid: 100, pgid: 100 }),
    rec(200, 100, MAIN, { start: 20, sid: 100, pgid: 200 }),
    rec(201, 200, TRACKER, { start: 21, sid: 100, pgid: 200 }),
    rec(202, 200, SPAWN, { start: 22, sid: 100, pgid: 200 }),
    rec(203, 200, '', { start: 23, sid: 100, pgid: 200, state: 'zombie', name: 'python3', argv: [] }),
    rec(204, 200, '/bin/sleep 100', { start: 24, sid: 100, pgid: 200 }),
    rec(300, 100, '/usr/bin/vim notes.txt', { start: 30, sid: 100, pgid: 300 }),
    rec(400, 1, '/usr/bin/python3 other-user.py', { start: 40, uid: 1001, user: 'bob', sid: 400, pgid: 400 }),
  ];
}

describe('procs: the process model', () => {
  it('links parents, classifies roles and finds the zombie with its parent', () => {
    const model = modeler()(family());
    const node = (pid: number) => model.byPid.get(pid)!;
    assert.strictEqual(node(202).parentKey, node(200).key);
    assert.strictEqual(node(200).role, 'main');
    assert.strictEqual(node(201).role, 'resource-tracker');
    assert.ok(node(201).helper);
    assert.strictEqual(node(202).role, 'spawn-child');
    assert.strictEqual(node(204).role, 'other');
    assert.strictEqual(node(203).zombie!.parentPid, 200);
    assert.strictEqual(node(203).zombie!.parentName, 'python3');
    assert.strictEqual(node(1).parentNote, 'none');
    for (const pid of [1, 100, 200, 201, 202, 203, 204, 300, 400]) assert.ok(!node(pid).orphan, `pid ${pid} flagged`);
  });

  it('PID reuse: a "parent" that started after its child is not its parent', () => {
    // 600's parent 500 died; pid 500 was reused by a newer process before this snapshot.
    const records = [rec(1, 0, '/sbin/init', { start: 0 }), rec(500, 1, '/usr/bin/python3 new.py', { start: 90 }), rec(600, 500, MAIN, { start: 50 })];
    const model = modeler()(records);
    const orphan = model.byPid.get(600)!;
    assert.strictEqual(orphan.parentKey, undefined);
    assert.strictEqual(orphan.parentNote, 'started-later');
    assert.ok(!model.byPid.get(500)!.childKeys.includes(orphan.key));
    const tree = buildTree(model, 'python');
    assert.ok(tree.roots.includes(orphan.key), 'shown as a root, not under the impostor');
    // Equal start times (ps's one-second resolution) still link.
    const same = modeler()([rec(10, 1, MAIN, { start: 5 }), rec(11, 10, MAIN, { start: 5 })]);
    assert.strictEqual(same.byPid.get(11)!.parentKey, same.byPid.get(10)!.key);
  });

  it('PID reuse across snapshots: a new process on an old pid starts a new history', () => {
    const model = modeler();
    model([rec(1, 0, '/sbin/init', { start: 0 }), rec(100, 1, MAIN, { start: 10, cpuTimeMs: 5000 })]);
    const after = model([rec(1, 0, '/sbin/init', { start: 0 }), rec(7, 1, '/bin/bash', { start: 1 }), rec(100, 7, MAIN, { start: 70, cpuTimeMs: 10 })]);
    const n = after.byPid.get(100)!;
    assert.ok(!n.orphan, 'a different process, not a re-parented one');
    assert.strictEqual(n.cpuPercent, undefined, 'no CPU from the old process\'s counters');
  });

  it('observes re-parenting across snapshots and learns the adopter', () => {
    const model = modeler();
    const before = [rec(1, 0, '/sbin/init', { start: 0 }), rec(90, 1, '/usr/bin/python3 reaper.py', { start: 1, sid: 90, pgid: 90 }), rec(100, 90, MAIN, { start: 10, sid: 90, pgid: 90 }), rec(101, 100, MAIN, { start: 11, sid: 90, pgid: 90 })];
    model(before);
    const after = model([before[0], before[1], { ...before[3], ppid: 90 }]);
    const n = after.byPid.get(101)!;
    assert.deepStrictEqual(n.orphan!.map((e) => e.rule), ['observed-reparent']);
    // The process that adopted is now a known adopter: its later zombies are described so.
    const z = model([before[0], before[1], { ...before[3], ppid: 90, state: 'zombie', command: '', argv: [] }]);
    assert.strictEqual(z.byPid.get(101)!.zombie!.parentIsAdopter, true);
    // A zombie keeps the command line and role it had alive.
    assert.strictEqual(z.byPid.get(101)!.command, MAIN);
  });

  it('tracks zombie times: first seen, and last seen alive', () => {
    const model = modeler();
    const alive = model([rec(200, 1, MAIN, { start: 20 }), rec(203, 200, MAIN, { start: 23 })]);
    const z1 = model([rec(200, 1, MAIN, { start: 20 }), rec(203, 200, '', { start: 23, state: 'zombie' })]);
    const z2 = model([rec(200, 1, MAIN, { start: 20 }), rec(203, 200, '', { start: 23, state: 'zombie' })]);
    const info = z2.byPid.get(203)!.zombie!;
    assert.strictEqual(info.lastAliveAt, alive.takenAt);
    assert.strictEqual(info.zombieSince, z1.takenAt);
    assert.strictEqual(z2.byPid.get(203)!.role, 'fork-child');
  });

  it('computes CPU over the interval between snapshots', () => {
    const model = modeler();
    const first = model([rec(100, 1, MAIN, { cpuTimeMs: 1000 })]);
    assert.strictEqual(first.byPid.get(100)!.cpuPercent, undefined, 'no interval yet');
    const second = model([rec(100, 1, MAIN, { cpuTimeMs: 1250 })]); // 250 ms CPU in 1000 ms
    assert.strictEqual(second.byPid.get(100)!.cpuPercent, 25);
    const third = model([rec(100, 1, MAIN, { cpuTimeMs: 1250 })]);
    assert.strictEqual(third.byPid.get(100)!.cpuPercent, 0);
  });

  it('run membership: launched processes and all their descendants, kept after re-parenting', () => {
    const registry = new LaunchRegistry();
    registry.markLaunched(200, 100);
    const model = modeler(registry);
    const m1 = model(family());
    for (const pid of [200, 201, 202, 203, 204]) assert.ok(m1.byPid.get(pid)!.runMember, `pid ${pid}`);
    assert.ok(m1.byPid.get(200)!.launched);
    assert.ok(!m1.byPid.get(202)!.launched);
    assert.ok(!m1.byPid.get(300)!.runMember);
    // 200 dies; 204 is adopted by init (a new session leader elsewhere would not matter).
    const m2 = model(family().filter((r) => r.pid !== 200 && r.pid !== 203).map((r) => (r.ppid === 200 ? { ...r, ppid: 1 } : r)));
    assert.ok(m2.byPid.get(204)!.runMember, 'still part of the run');
    assert.deepStrictEqual(m2.byPid.get(204)!.orphan!.map((e) => e.rule).slice(0, 1), ['observed-reparent']);
    assert.ok(buildTree(m2, 'mpscope').ordered.some((n) => n.pid === 204));
  });
});

describe('procs: the tree and its filters', () => {
  it('python (default): my Python processes, their zombie children, never kernel threads or other users', () => {
    const tree = buildTree(modeler()(family()), 'python');
    const pids = tree.ordered.map((n) => n.pid);
    assert.deepStrictEqual(pids, [200, 201, 202, 203]);
    assert.deepStrictEqual(tree.zombies.map((n) => n.pid), [203]);
    assert.strictEqual(depthOf(tree, tree.ordered[3].key), 1);
  });

  it('all: all my processes, nested by real parents', () => {
    const tree = buildTree(modeler()(family()), 'all');
    const pids = tree.ordered.map((n) => n.pid);
    assert.deepStrictEqual(pids, [100, 200, 201, 202, 203, 204, 300]);
    assert.strictEqual(tree.parents.get(tree.model.byPid.get(200)!.key), tree.model.byPid.get(100)!.key);
  });

  it('as root, "all" still leaves kernel threads out', () => {
    const tree = buildTree(modeler(new LaunchRegistry(), 0)(family()), 'all');
    assert.ok(!tree.ordered.some((n) => n.record.kernelThread));
    assert.ok(tree.ordered.some((n) => n.pid === 1));
  });

  it('mpscope: only runs (empty when nothing was launched)', () => {
    assert.deepStrictEqual(buildTree(modeler()(family()), 'mpscope').ordered, []);
    const registry = new LaunchRegistry();
    registry.markLaunched(202, 200);
    assert.deepStrictEqual(buildTree(modeler(registry)(family()), 'mpscope').ordered.map((n) => n.pid), [202]);
  });

  it('hangs a process under its nearest shown ancestor when its parent is filtered out', () => {
    const records = [rec(10, 1, MAIN, { start: 1 }), rec(11, 10, '/bin/sh -c python3 b.py', { start: 2 }), rec(12, 11, '/usr/bin/python3 b.py', { start: 3 })];
    const tree = buildTree(modeler()(records), 'python');
    assert.deepStrictEqual(tree.ordered.map((n) => n.pid), [10, 12]);
    assert.strictEqual(tree.parents.get(tree.model.byPid.get(12)!.key), tree.model.byPid.get(10)!.key);
  });

  it("python: leaves out mpscope's own supervisor while it waits for a run, not once it runs one", () => {
    const WARM = '/usr/bin/python3 -S -E -s /home/me/.vscode/extensions/mpscope/src/agent/mpscope_supervisor.py --warm';
    const host = rec(10, 1, '/usr/lib/code/code --type=extensionHost', { start: 1 });
    const idle = buildTree(modeler()([host, rec(20, 10, WARM, { start: 2 }), rec(30, 10, MAIN, { start: 3 })]), 'python');
    assert.deepStrictEqual(idle.ordered.map((n) => n.pid), [30]);
    assert.ok(buildTree(modeler()([host, rec(20, 10, WARM, { start: 2 })]), 'all').ordered.some((n) => n.pid === 20), '"all" shows it');
    // Running a run: the script is its child (another window's run, not in our launch registry).
    const running = buildTree(modeler()([host, rec(20, 10, WARM, { start: 2 }), rec(21, 20, MAIN, { start: 4 })]), 'python');
    assert.deepStrictEqual(running.ordered.map((n) => n.pid), [20, 21]);
    // Our own run, the moment it is launched (the script not read yet): the launch record says so.
    const registry = new LaunchRegistry();
    registry.markLaunched(20, 10);
    assert.deepStrictEqual(buildTree(modeler(registry)([host, rec(20, 10, WARM, { start: 2 })]), 'python').ordered.map((n) => n.pid), [20]);
    // Only that command line: a user's script with --warm, or another supervisor, stays.
    const other = [rec(40, 1, '/usr/bin/python3 serve.py --warm', { start: 5 }), rec(41, 1, '/usr/bin/python3 mpscope_supervisor.py -- python3 a.py', { start: 6 })];
    assert.deepStrictEqual(buildTree(modeler()(other), 'python').ordered.map((n) => n.pid), [40, 41]);
  });

  it('rootPid: one process and its descendants, whatever the filter', () => {
    const tree = buildTree(modeler()(family()), 'python', { rootPid: 100 });
    assert.deepStrictEqual(tree.ordered.map((n) => n.pid), [100, 200, 201, 202, 203, 204, 300]);
    assert.deepStrictEqual(buildTree(modeler()(family()), 'python', { rootPid: 77777 }).ordered, []);
  });

  it('keeps the same keys across snapshots (stable tree ids)', () => {
    const model = modeler();
    const a = buildTree(model(family()), 'python').ordered.map((n) => n.key);
    const b = buildTree(model(family()), 'python').ordered.map((n) => n.key);
    assert.deepStrictEqual(a, b);
  });
});

describe('procs: partial models (what a 1 Hz refresh models)', () => {
  const shape = (records: ProcessRecord[], registry = new LaunchRegistry()) => {
    const tree = buildTree(modeler(registry)(records), 'python');
    return tree.ordered.map((n) => `${n.pid}<${tree.parents.get(n.key)?.split(':')[0] ?? '-'} ${n.role}${n.zombie ? ' Z' : ''}${n.orphan ? ' O' : ''}`);
  };

  it('keeps Python processes, zombies, runs, their ancestors and group leaders, and drops the rest', () => {
    const registry = new LaunchRegistry();
    registry.markLaunched(300, 100);
    const records = [
      ...family(),
      rec(301, 300, '/bin/sleep 5', { start: 31, sid: 100, pgid: 300 }), // a run's non-Python child
      rec(500, 1, '/usr/sbin/cron', { start: 50, sid: 500, pgid: 500 }),
      rec(501, 500, '/bin/sh -c backup', { start: 51, sid: 500, pgid: 500 }),
    ];
    const kept = relevantRecords(records, registry, new ProcessTracker()).map((r) => r.pid);
    assert.deepStrictEqual(kept.sort((a, b) => a - b), [1, 100, 200, 201, 202, 203, 300, 301, 400]);
  });

  it('gives the default view the same tree as a full model', () => {
    const records = [
      ...family(),
      rec(500, 1, '/usr/sbin/cron', { start: 50, sid: 500, pgid: 500 }),
      rec(510, 500, '/bin/sh -c job', { start: 51, sid: 500, pgid: 500 }),
      rec(511, 510, '/usr/bin/python3 job.py', { start: 52, sid: 500, pgid: 500 }),
      rec(512, 511, '/bin/true', { start: 53, sid: 500, pgid: 500, state: 'zombie', command: '', argv: [] }),
      rec(520, 1, '/usr/bin/python3 stray.py', { start: 60, sid: 777, pgid: 777 }), // an orphan by session
    ];
    const partial = relevantRecords(records, new LaunchRegistry(), new ProcessTracker());
    assert.ok(partial.length < records.length);
    assert.deepStrictEqual(shape(partial), shape(records));
  });
});

