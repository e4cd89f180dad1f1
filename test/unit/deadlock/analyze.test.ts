// The deadlock analysis on synthetic snapshots: which threads are deadlocked, how the deadlock is
// explained (cycle, dead holder, everybody waits), and the finding's message and locations.
import * as assert from 'assert';
import { analyze } from '../../../src/runner/deadlock/analyze';
import { deadlockFindings } from '../../../src/runner/deadlock/findings';
import { FILE, at, held, proc, ring, snapshot, thread, wait } from './synthetic';

const pidsOf = (a: ReturnType<typeof analyze>) => [...new Set(a.deadlocked.map((b) => b.proc.pid))].sort((x, y) => x - y);

describe('deadlock: analysis', () => {
  for (const n of [2, 3, 8]) {
    it(`a cycle of ${n} processes is one cycle; the joining parent depends on it`, () => {
      const snap = ring(n);
      const a = analyze(snap);
      assert.deepStrictEqual(pidsOf(a), [99, ...Array.from({ length: n }, (_, i) => 100 + i)]);
      assert.strictEqual(a.groups.length, 1);
      const g = a.groups[0];
      assert.strictEqual(g.type, 'cycle');
      assert.deepStrictEqual(
        g.members.map((m) => m.proc.pid),
        Array.from({ length: n }, (_, i) => 100 + i),
      );
      assert.deepStrictEqual(g.dependents.map((m) => m.proc.pid), [99]);
      // The deadlock formed when the last wait began.
      assert.strictEqual(a.formedAt, 1_000 + n - 1);
    });
  }

  it('the finding reads like jstack: who waits for what, held by whom, acquired where', () => {
    const snap = ring(2);
    const [f] = deadlockFindings(snap, analyze(snap));
    assert.strictEqual(f.kind, 'deadlock');
    assert.strictEqual(f.severity, 'error');
    assert.match(
      f.message,
      /Process-1 \(pid 100\) waits to lock Lock#\d at fixture\.py:15, which is held by Process-2 \(pid 101\), acquired at fixture\.py:12/,
    );
    assert.match(
      f.message,
      /Process-2 \(pid 101\) waits to lock Lock#\d at fixture\.py:15, which is held by Process-1 \(pid 100\), acquired at fixture\.py:12/,
    );
    assert.match(f.message, /MainProcess \(pid 99\) waits for Process-1 \(pid 100\) to exit \(join at fixture\.py:28\)/);
    assert.deepStrictEqual([...f.pids].sort(), [100, 101, 99].sort());
    const roles = f.locations.map((l) => `${l.pid}:${l.role}:${l.line}`).sort();
    assert.deepStrictEqual(roles, ['100:acquired:12', '100:waits:15', '101:acquired:12', '101:waits:15', '99:waits:28']);
    assert.ok(f.locations.every((l) => l.file === FILE));
    const d = f.details as { cycle: number[]; waits: Array<{ pid: number; holders: Array<{ pid: number }> }> };
    assert.deepStrictEqual(d.cycle, [100, 101]);
    assert.deepStrictEqual(d.waits.find((w) => w.pid === 100)?.holders.map((h) => h.pid), [101]);
  });

  it('a cycle is a deadlock even while other processes run', () => {
    const snap = ring(2);
    snap.processes.push(proc(200, 'Process-9', [thread(1, null)]));
    const a = analyze(snap);
    assert.deepStrictEqual(pidsOf(a), [99, 100, 101]);
  });

  it('self-deadlock: re-acquiring a non-reentrant Lock the thread holds', () => {
    const snap = snapshot([proc(50, 'MainProcess', [thread(1, wait('lock', 'Lock:a', 12))], { held: [held('Lock:a', 6)] })]);
    const a = analyze(snap);
    assert.strictEqual(a.groups.length, 1);
    assert.strictEqual(a.groups[0].type, 'cycle');
    assert.strictEqual(a.groups[0].members.length, 1);
    const [f] = deadlockFindings(snap, a);
    assert.match(f.message, /holds itself/);
    assert.match(f.message, /MainProcess \(pid 50\) waits to lock Lock#1 at fixture\.py:12, which is held by itself, acquired at fixture\.py:6/);
  });

  it('a lock held by another running thread of the same process is not a self-deadlock', () => {
    const snap = snapshot([
      proc(50, 'MainProcess', [thread(1, wait('lock', 'Lock:a', 12)), thread(2, null)], { held: [held('Lock:a', 6)] }),
    ]);
    assert.deepStrictEqual(analyze(snap).deadlocked, []);
  });

  it('a semaphore: each holder counts; blocked only when every holder is blocked', () => {
    const mk = (thirdRuns: boolean) =>
      snapshot([
        proc(10, 'P1', [thread(1, wait('lock', 'Semaphore:s', 13))], { held: [held('Lock:l', 10)] }),
        proc(11, 'P2', [thread(1, wait('lock', 'Lock:l', 21))], { held: [held('Semaphore:s', 18)] }),
        proc(12, 'P3', [thread(1, thirdRuns ? null : wait('lock', 'Lock:l', 21))], { held: [held('Semaphore:s', 18)] }),
      ]);
    assert.deepStrictEqual(analyze(mk(true)).deadlocked, []);
    const snap = mk(false);
    const a = analyze(snap);
    assert.deepStrictEqual(pidsOf(a), [10, 11, 12]);
    const [f] = deadlockFindings(snap, a);
    assert.match(f.message, /P1 \(pid 10\) waits to acquire Semaphore#1 at fixture\.py:13, whose units are held by P2 \(pid 11\), acquired at fixture\.py:18 and P3 \(pid 12\), acquired at fixture\.py:18/);
  });

  it('a semaphore used as a signal (released by non-holders) has no owners', () => {
    const snap = snapshot(
      [
        proc(10, 'P1', [thread(1, wait('lock', 'Semaphore:s', 13))], { held: [held('Semaphore:s', 9)] }),
        proc(11, 'P2', [thread(1, null)]),
      ],
      { 'Semaphore:s': { signal: true } },
    );
    assert.deepStrictEqual(analyze(snap).deadlocked, []);
  });

  it('dead holder: a lock held by an exited process is a deadlock, whatever else runs', () => {
    const snap = snapshot([
      proc(1, 'MainProcess', [thread(1, wait('lock', 'Lock:a', 38))]),
      proc(2, 'Process-1', [], {
        alive: false,
        held: [held('Lock:a', 15)],
        exit: { code: null, signal: 9, control: { op: 'kill', by: 1, site: at(33) } },
      }),
      proc(3, 'Process-2', [thread(1, null)]),
    ]);
    const a = analyze(snap);
    assert.deepStrictEqual(pidsOf(a), [1]);
    assert.strictEqual(a.groups[0].type, 'dead-holder');
    const [f] = deadlockFindings(snap, a);
    assert.match(
      f.message,
      /MainProcess \(pid 1\) waits to lock Lock#1 at fixture\.py:38, which is held by Process-1 \(pid 2\), which exited \(killed by SIGKILL, kill\(\) at fixture\.py:33\) while holding it; it acquired it at fixture\.py:15/,
    );
    assert.ok(f.locations.some((l) => l.pid === 2 && l.role === 'acquired' && l.line === 15));
    assert.deepStrictEqual([...f.pids].sort(), [1, 2]);
  });

  it('everybody waits: a consumer on an empty queue and its joining parent', () => {
    const snap = snapshot([
      proc(1, 'MainProcess', [thread(1, wait('process-join', null, 32, { target: 2 }))]),
      proc(2, 'Process-1', [thread(1, wait('queue-get', 'Queue:q', 11))]),
    ]);
    const a = analyze(snap);
    assert.strictEqual(a.groups.length, 1);
    assert.strictEqual(a.groups[0].type, 'everybody');
    const [f] = deadlockFindings(snap, a);
    assert.match(f.message, /every process of the run is blocked/);
    assert.match(f.message, /Process-1 \(pid 2\) waits in Queue#1\.get\(\) at fixture\.py:11/);
  });

  it("both ends of the run's own Pipe() waiting in recv() is a deadlock; a Listener's connection is not", () => {
    const mk = (conn: string) =>
      snapshot([
        proc(1, 'MainProcess', [thread(1, wait('recv', `${conn}:a`, 17))]),
        proc(2, 'Process-1', [thread(1, wait('recv', `${conn}:b`, 7))]),
      ]);
    assert.strictEqual(analyze(mk('Pipe')).deadlocked.length, 2);
    // A connection accepted from a Listener: its peer may be outside the run.
    assert.deepStrictEqual(analyze(mk('Connection')).deadlocked, []);
  });

  it('manager proxies count as the run\'s own only while a manager of the run serves them', () => {
    const mk = (withManager: boolean) =>
      snapshot([
        proc(1, 'MainProcess', [thread(1, wait('process-join', null, 24, { target: 2 }))]),
        proc(2, 'Process-1', [thread(1, wait('queue-get', 'mgr:/tmp/x:1', 9))]),
        ...(withManager ? [proc(3, 'SyncManager-1', [thread(1, null)], { helper: true, helperKind: 'manager' })] : []),
      ]);
    assert.strictEqual(analyze(mk(true)).deadlocked.length, 2);
    assert.deepStrictEqual(analyze(mk(false)).deadlocked, []);
  });

  it('a slow worker is not a deadlock: the parent waits on get() while the worker sleeps', () => {
    const snap = snapshot([
      proc(1, 'MainProcess', [thread(1, wait('queue-get', 'Queue:q', 20))]),
      proc(2, 'Process-1', [thread(1, null)]), // in time.sleep(3): no wait record
    ]);
    assert.deepStrictEqual(analyze(snap).deadlocked, []);
  });

  it('threads nobody has seen (more live threads than waits) may run: no deadlock', () => {
    const snap = snapshot([proc(1, 'MainProcess', [thread(1, wait('event-wait', 'Event:e', 7))], { userThreads: 2 })]);
    assert.deepStrictEqual(analyze(snap).deadlocked, []);
  });

  it('a complete stack dump shows a thread blocked on a threading primitive: it waits too', () => {
    const snap = snapshot([
      proc(1, 'MainProcess', [thread(1, wait('queue-get', 'Queue:q', 7)), thread(2, null, { localWait: { what: 'threading wait', site: at(3) } })], {
        complete: true,
      }),
    ]);
    assert.strictEqual(analyze(snap).deadlocked.length, 2);
  });

  it('helper processes (a manager server) and helper threads do not count as able to wake anyone', () => {
    const snap = snapshot([
      proc(1, 'MainProcess', [thread(1, wait('pool-result', 'Pool:p', 18)), thread(5, null, { helper: true, name: 'Thread-3 (_handle_results)' })]),
      proc(2, 'SyncManager-1', [thread(1, null)], { helper: true }),
      proc(3, 'ForkPoolWorker-2', [thread(1, wait('queue-get', 'SimpleQueue:t', 17))], { parent: 1 }),
    ]);
    assert.deepStrictEqual(pidsOf(analyze(snap)), [1, 3]);
  });

  it('threads of one process in a lock cycle (thread-level holders from stack dumps)', () => {
    const snap = snapshot([
      proc(
        1,
        'MainProcess',
        [
          thread(1, wait('thread-join', null, 31, { target: 2 })),
          thread(2, wait('lock', 'Lock:b', 13), { held: ['Lock:a'] }),
          thread(3, wait('lock', 'Lock:a', 13), { held: ['Lock:b'] }),
          thread(4, null), // a heartbeat thread that keeps running
        ],
        { complete: true, held: [held('Lock:a', 10), held('Lock:b', 10)] },
      ),
    ]);
    const a = analyze(snap);
    const cyc = a.groups.find((g) => g.type === 'cycle');
    assert.ok(cyc);
    assert.deepStrictEqual(cyc.members.map((m) => m.thread.tid).sort(), [2, 3]);
    const [f] = deadlockFindings(snap, a);
    assert.match(f.message, /MainProcess \(pid 1\) thread T2 waits to lock Lock#\d at fixture\.py:13, which is held by MainProcess \(pid 1\) thread T3/);
  });
});

describe('deadlock: hazards explained', () => {
  it('joining a child before draining its queue (the feeder thread cannot flush)', () => {
    const snap = snapshot([
      proc(1, 'MainProcess', [thread(1, wait('process-join', null, 18, { target: 2 }))]),
      proc(
        2,
        'Process-1',
        [
          thread(1, wait('thread-join', null, 0, { target: 7, site: null })),
          thread(7, null, { helper: true, name: 'QueueFeederThread' }),
        ],
        { complete: true },
      ),
    ]);
    const a = analyze(snap);
    const [f] = deadlockFindings(snap, a, { lastPuts: () => [{ id: 'Queue:q', site: at(9) }] });
    assert.match(f.message, /cannot exit: its queue feeder thread is still writing the data it put \(at fixture\.py:9\)/);
    assert.match(f.message, /MainProcess \(pid 1\) joins it at fixture\.py:18 before draining the queue/);
    assert.ok(f.locations.some((l) => l.role === 'put' && l.line === 9 && l.pid === 2));
  });

  it('a Pool whose worker was killed mid-task (CPython issue 96062)', () => {
    const snap = snapshot([
      proc(1, 'MainProcess', [thread(1, wait('pool-result', 'Pool:p', 18))]),
      proc(2, 'ForkPoolWorker-1', [], { alive: false, parent: 1, exit: { code: null, signal: 9 } }),
      proc(3, 'ForkPoolWorker-2', [thread(1, wait('queue-get', 'SimpleQueue:t', 17))], { parent: 1 }),
    ]);
    const [f] = deadlockFindings(snap, analyze(snap));
    assert.match(f.message, /ForkPoolWorker-1 \(pid 2\) exited \(killed by SIGKILL\) while running a task/);
    assert.match(f.message, /96062/);
  });

  it('a queue broken by terminate() inside get()', () => {
    const snap = snapshot([
      proc(1, 'MainProcess', [thread(1, wait('process-join', null, 25, { target: 3 }))]),
      proc(2, 'Process-1', [thread(1, wait('queue-get', 'Queue:q', 10))], {
        alive: false,
        exit: { code: null, signal: 15, control: { op: 'terminate', by: 1, site: at(19) } },
      }),
      proc(3, 'Process-2', [thread(1, wait('queue-get', 'Queue:q', 10))]),
    ]);
    const [f] = deadlockFindings(snap, analyze(snap));
    assert.match(f.message, /Queue#1 is broken: Process-1 \(pid 2\) exited \(killed by SIGTERM, terminate\(\) at fixture\.py:19\) inside get\(\)/);
    assert.ok(f.locations.some((l) => l.role === 'terminate' && l.line === 19 && l.pid === 1));
  });

});

describe('deadlock: Lock/RLock records that may be stale (maybe: released in C since)', () => {
  const maybe = (id: string, line: number) => ({ ...held(id, line), maybe: true });

  it('a stale record on a running bystander hides no cycle, and the bystander is no holder', () => {
    const snap = ring(2);
    snap.processes.push(proc(200, 'Process-9', [thread(1, null)], { held: [maybe('Lock:0', 40), maybe('Lock:1', 41)] }));
    for (const uncertain of ['any', 'all'] as const) {
      const a = analyze(snap, { uncertain });
      assert.deepStrictEqual(pidsOf(a), [99, 100, 101]);
      assert.deepStrictEqual(a.holders('Lock:0').map((h) => h.pid), [100]);
    }
    const [f] = deadlockFindings(snap, analyze(snap));
    assert.ok(!f.pids.includes(200), f.message);
  });

  it('a stale record on a blocked process makes no cycle when the exact holder runs', () => {
    const snap = snapshot([
      proc(10, 'P1', [thread(1, wait('lock', 'Lock:a', 12))], { held: [held('Lock:b', 10)] }),
      proc(20, 'P2', [thread(1, null)], { held: [held('Lock:a', 20)] }),
      proc(30, 'P3', [thread(1, wait('lock', 'Lock:b', 31))], { held: [maybe('Lock:a', 30)] }),
    ]);
    assert.deepStrictEqual(analyze(snap, { uncertain: 'all' }).deadlocked, []);
  });

  it('candidates of which one is dead: a candidate deadlock to confirm, not a certain one', () => {
    const snap = snapshot([
      proc(1, 'MainProcess', [thread(1, wait('lock', 'Lock:a', 50))]),
      proc(2, 'Process-1', [thread(1, null)], { held: [maybe('Lock:a', 10)] }),
      proc(3, 'Process-2', [], { alive: false, held: [maybe('Lock:a', 20)], exit: { code: null, signal: 15 } }),
    ]);
    assert.deepStrictEqual(analyze(snap).deadlocked, [], 'the running candidate may hold it');
    assert.deepStrictEqual(pidsOf(analyze(snap, { uncertain: 'all' })), [1], 'the dead one may hold it');
  });

  it('a single candidate is the holder, named with certainty', () => {
    const snap = snapshot([
      proc(1, 'MainProcess', [thread(1, wait('lock', 'Lock:a', 50))]),
      proc(3, 'Process-2', [], { alive: false, held: [maybe('Lock:a', 20)], exit: { code: null, signal: 15 } }),
    ]);
    const a = analyze(snap);
    assert.strictEqual(a.groups[0].type, 'dead-holder');
    const [f] = deadlockFindings(snap, a);
    assert.match(f.message, /which is held by Process-2 \(pid 3\), which exited \(killed by SIGTERM\) while holding it; it acquired it at fixture\.py:20/);
  });

  it('several dead candidates: listed as such, none named as the holder', () => {
    const dead = (pid: number, line: number) =>
      proc(pid, `Process-${pid}`, [], { alive: false, held: [maybe('Lock:a', line)], exit: { code: null, signal: 9 } });
    const snap = snapshot([proc(1, 'MainProcess', [thread(1, wait('lock', 'Lock:a', 50))]), dead(2, 20), dead(3, 30)]);
    const a = analyze(snap);
    assert.deepStrictEqual(pidsOf(a), [1]);
    assert.strictEqual(a.groups[0].type, 'dead-holder');
    const [f] = deadlockFindings(snap, a);
    assert.match(
      f.message,
      /which is held by one of 2 exited processes \(each had acquired it and was killed before it could tell whether it had released it\): Process-2 \(pid 2\), which exited \(killed by SIGKILL\), acquired it at fixture\.py:20; or Process-3 \(pid 3\), which exited \(killed by SIGKILL\), acquired it at fixture\.py:30/,
    );
    assert.doesNotMatch(f.message, /while holding it/);
    assert.deepStrictEqual(f.locations.filter((l) => l.role === 'acquired').map((l) => `${l.pid}:${l.line}`), ['2:20', '3:30']);
  });

  it('an exact record wins over stale ones (a mutex has one holder)', () => {
    const snap = snapshot([
      proc(1, 'MainProcess', [thread(1, wait('lock', 'Lock:a', 50))]),
      proc(2, 'Process-1', [], { alive: false, held: [maybe('Lock:a', 10)], exit: { code: null, signal: 9 } }),
      proc(3, 'Process-2', [], { alive: false, held: [held('Lock:a', 20)], exit: { code: 3, signal: null } }),
    ]);
    const a = analyze(snap);
    assert.deepStrictEqual(a.holders('Lock:a').map((h) => h.pid), [3]);
    assert.match(deadlockFindings(snap, a)[0].message, /held by Process-2 \(pid 3\), which exited \(exit code 3\) while holding it/);
  });
});
