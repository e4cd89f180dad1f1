// Every positive fixture of test/fixtures/deadlock, run under the real runner (fork and spawn
// where the start method matters, cycles of 2, 3 and 8 processes): one `deadlock` finding with
// the pids of the processes involved and the lines of each wait and of each acquisition; the run
// is killed after the report and nothing is left behind.
import * as assert from 'assert';
import { cleanup, marks, pidOf, pidsAt, run, theDeadlock } from './helpers';

interface Case {
  script: string;
  args?: string[];
  /** tag -> role -> which processes (by name pattern) have a location there. */
  expect: Array<{ tag: string; role: string; who: RegExp; count?: number }>;
  message: RegExp[];
  cycle?: number;
}

const CHILD = /^(Fork|Spawn|ForkServer)Process-\d+$/;
const MAIN = /^MainProcess$/;

const CASES: Case[] = [
  ...[
    ['2', 'fork'],
    ['3', 'fork'],
    ['8', 'fork'],
    ['2', 'spawn'],
    ['3', 'spawn'],
    ['3', 'forkserver'],
  ].map(([n, m]) => ({
    script: 'lock_cycle.py',
    args: [`--n=${n}`, `--start=${m}`],
    expect: [
      { tag: 'wait-second', role: 'waits', who: CHILD, count: Number(n) },
      { tag: 'acquire-first', role: 'acquired', who: CHILD, count: Number(n) },
      { tag: 'join', role: 'waits', who: MAIN },
    ],
    message: [new RegExp(`cycle of ${n} processes`), /waits to lock Lock#\d+ at lock_cycle\.py:15, which is held by (Fork|Spawn|ForkServer)Process-\d+ \(pid \d+\), acquired at lock_cycle\.py:12/],
    cycle: Number(n),
  })),
  {
    script: 'thread_lock_cycle.py',
    args: ['--mode=threads'],
    expect: [
      { tag: 'wait-second', role: 'waits', who: MAIN },
      { tag: 'acquire-first', role: 'acquired', who: MAIN },
      { tag: 'join', role: 'waits', who: MAIN },
    ],
    message: [/cycle of 2 threads/, /thread T\d waits to lock Lock#\d at thread_lock_cycle\.py:13, which is held by MainProcess \(pid \d+\) thread T\d/],
  },
  {
    script: 'thread_lock_cycle.py',
    args: ['--mode=mixed', '--start=spawn'],
    expect: [
      { tag: 'wait-second', role: 'waits', who: /^(MainProcess|SpawnProcess-1)$/, count: 2 },
      { tag: 'acquire-first', role: 'acquired', who: /^(MainProcess|SpawnProcess-1)$/, count: 2 },
      { tag: 'join-mixed', role: 'waits', who: MAIN },
    ],
    message: [/MainProcess \(pid \d+\) thread T1 waits to lock/],
  },
  {
    script: 'rlock_cycle.py',
    expect: [
      { tag: 'wait-second', role: 'waits', who: CHILD, count: 2 },
      { tag: 'acquire-first', role: 'acquired', who: CHILD, count: 2 },
    ],
    message: [/waits to lock RLock#\d/],
  },
  ...['fork', 'spawn'].map((m) => ({
    script: 'semaphore_cycle.py',
    args: m === 'spawn' ? ['--bounded=1', '--start=spawn'] : [],
    expect: [
      { tag: 'acquire-lock', role: 'acquired', who: CHILD, count: 1 },
      { tag: 'wait-sem', role: 'waits', who: CHILD, count: 1 },
      { tag: 'acquire-sem', role: 'acquired', who: CHILD, count: 2 },
      { tag: 'wait-lock', role: 'waits', who: CHILD, count: 2 },
    ],
    message: [m === 'spawn' ? /waits to acquire BoundedSemaphore#1 .*whose units are held by/ : /waits to acquire Semaphore#1 .*whose units are held by/],
    cycle: 3,
  })),
  ...['fork', 'spawn'].map((m) => ({
    script: 'condition_cycle.py',
    args: [`--start=${m}`],
    expect: [
      { tag: 'acquire-cond', role: 'acquired', who: CHILD, count: 1 },
      { tag: 'wait-lock', role: 'waits', who: CHILD, count: 1 },
      { tag: 'acquire-lock', role: 'acquired', who: CHILD, count: 1 },
      { tag: 'wait-cond', role: 'waits', who: CHILD, count: 1 },
    ],
    message: [/waits to lock Condition#1/],
  })),
  ...[
    ['Lock', 'fork'],
    ['RLock', 'spawn'],
    ['Semaphore', 'fork'],
  ].map(([k, m]) => ({
    script: 'manager_lock_cycle.py',
    args: [`--kind=${k}`, `--start=${m}`],
    expect: [
      { tag: 'wait-second', role: 'waits', who: CHILD, count: 2 },
      { tag: 'acquire-first', role: 'acquired', who: CHILD, count: 2 },
    ],
    message: [new RegExp(`Manager ${k}#\\d`)],
    cycle: 2,
  })),
  {
    script: 'self_deadlock.py',
    expect: [
      { tag: 'wait', role: 'waits', who: MAIN },
      { tag: 'acquire', role: 'acquired', who: MAIN },
    ],
    message: [/waits to lock Lock#1 at self_deadlock\.py:12, which is held by itself, acquired at self_deadlock\.py:6/],
  },
  {
    script: 'self_deadlock.py',
    args: ['--where=child', '--start=spawn'],
    expect: [
      { tag: 'wait', role: 'waits', who: CHILD },
      { tag: 'acquire', role: 'acquired', who: CHILD },
      { tag: 'join', role: 'waits', who: MAIN },
    ],
    message: [/held by itself/],
  },
  ...[
    ['exit', 'fork', /exit code 3/],
    ['raise', 'fork', /exit code 1/],
    ['terminate', 'fork', /killed by SIGTERM, terminate\(\) at dead_holder\.py:33/],
    ['terminate', 'spawn', /killed by SIGTERM, terminate\(\) at dead_holder\.py:33/],
    ['kill', 'fork', /killed by SIGKILL, kill\(\) at dead_holder\.py:35/],
    ['kill', 'spawn', /killed by SIGKILL, kill\(\) at dead_holder\.py:35/],
    ['kill', 'forkserver', /killed by SIGKILL, kill\(\) at dead_holder\.py:35/],
  ].map(([how, m, re]) => ({
    script: 'dead_holder.py',
    args: [`--how=${how}`, `--start=${m}`],
    expect: [
      { tag: 'wait', role: 'waits', who: MAIN },
      { tag: 'acquire', role: 'acquired', who: CHILD },
    ],
    message: [/a process which has exited still holds/, re as RegExp, /it acquired it at dead_holder\.py:15/],
  })),
  ...[
    ['none', 'fork'],
    ['crash', 'fork'],
    ['none', 'spawn'],
  ].map(([producer, m]) => ({
    script: 'queue_get_forever.py',
    args: [`--producer=${producer}`, `--start=${m}`],
    expect: [
      { tag: 'wait-get', role: 'waits', who: CHILD, count: 1 },
      { tag: 'join', role: 'waits', who: MAIN },
    ],
    message: [/every process of the run is blocked/, /waits in Queue#1\.get\(\) at queue_get_forever\.py:11/],
  })),
  {
    script: 'queue_put_full.py',
    expect: [
      { tag: 'wait-put', role: 'waits', who: CHILD },
      { tag: 'join', role: 'waits', who: MAIN },
    ],
    message: [/waits in Queue#1\.put\(\) at queue_put_full\.py:8 \(the queue is full\)/],
  },
  {
    script: 'pipe_recv_both.py',
    expect: [
      { tag: 'wait-child', role: 'waits', who: CHILD },
      { tag: 'wait-parent', role: 'waits', who: MAIN },
    ],
    message: [/MainProcess \(pid \d+\) waits in Pipe#1\.recv\(\) at pipe_recv_both\.py:17; (Fork|Spawn)Process-1 \(pid \d+\) waits in Pipe#1\.recv\(\)/],
  },
  {
    script: 'join_blocked_child.py',
    expect: [
      { tag: 'acquire', role: 'acquired', who: MAIN },
      { tag: 'wait-child', role: 'waits', who: CHILD },
      { tag: 'join', role: 'waits', who: MAIN },
    ],
    message: [/cycle of 2 processes/, /waits for (Fork|Spawn)Process-1 \(pid \d+\) to exit \(join at join_blocked_child\.py:17\)/],
    cycle: 2,
  },
  ...['fork', 'spawn'].map((m) => ({
    script: 'event_never_set.py',
    args: ['--n=3', `--start=${m}`],
    expect: [
      { tag: 'wait', role: 'waits', who: CHILD, count: 3 },
      { tag: 'join', role: 'waits', who: MAIN },
    ],
    message: [/waits for Event#1 to be set at event_never_set\.py:7/],
  })),
  {
    script: 'condition_never_notified.py',
    expect: [
      { tag: 'wait', role: 'waits', who: CHILD },
      { tag: 'join', role: 'waits', who: MAIN },
    ],
    message: [/waits in Condition#1\.wait\(\) at condition_never_notified\.py:8 for a notify/],
  },
  ...['fork', 'spawn'].map((m) => ({
    script: 'barrier_too_many.py',
    args: [`--start=${m}`],
    expect: [
      { tag: 'wait', role: 'waits', who: CHILD, count: 2 },
      { tag: 'join', role: 'waits', who: MAIN },
    ],
    message: [/waits at Barrier#1 at barrier_too_many\.py:7/],
  })),
  {
    script: 'joinable_queue_missing_task_done.py',
    expect: [
      { tag: 'wait-join', role: 'waits', who: MAIN },
      { tag: 'wait-get', role: 'waits', who: CHILD },
    ],
    message: [/waits in JoinableQueue#1\.join\(\) at joinable_queue_missing_task_done\.py:19 for task_done\(\) calls/],
  },
  ...['fork', 'spawn'].map((m) => ({
    script: 'join_before_drain.py',
    args: [`--start=${m}`],
    expect: [
      { tag: 'join', role: 'waits', who: MAIN },
      { tag: 'put', role: 'put', who: CHILD },
    ],
    message: [/cannot exit: its queue feeder thread is still writing the data it put \(at join_before_drain\.py:9\)/, /joins it at join_before_drain\.py:18 before draining the queue/],
  })),
  ...['fork', 'spawn'].map((m) => ({
    script: 'pool_worker_killed.py',
    args: [`--start=${m}`],
    expect: [{ tag: 'wait-map', role: 'waits', who: MAIN }],
    message: [/waits for results of Pool#1 at pool_worker_killed\.py:18/, /(Fork|Spawn)PoolWorker-\d+ \(pid \d+\) exited \(killed by SIGKILL\) while running a task/, /96062/],
  })),
  ...['fork', 'spawn'].map((m) => ({
    script: 'pool_initializer_fails.py',
    args: [`--start=${m}`],
    expect: [
      { tag: 'wait-map', role: 'waits', who: MAIN },
      { tag: 'init-raise', role: 'exception', who: /^(Fork|Spawn)PoolWorker-\d+$/ },
      { tag: 'pool', role: 'start', who: MAIN },
    ],
    message: [
      /waits for results of Pool#1 at pool_initializer_fails\.py:29, which never come/,
      /every worker of the Pool \(created at pool_initializer_fails\.py:28\) raises ValueError at pool_initializer_fails\.py:16 \(cannot open the model file\) in the Pool's initializer/,
      /replaces it at once, forever \(\d+ workers so far\), so it never runs a task/,
      /BrokenProcessPool/,
    ],
  })),
  {
    script: 'terminate_broken_queue.py',
    expect: [
      { tag: 'wait-get', role: 'waits', who: CHILD },
      { tag: 'join', role: 'waits', who: MAIN },
      { tag: 'terminate', role: 'terminate', who: MAIN },
    ],
    message: [/Queue#1 is broken: (Fork|Spawn)Process-1 \(pid \d+\) exited \(killed by SIGTERM, terminate\(\) at terminate_broken_queue\.py:19\) inside get\(\)/],
  },
];

describe('deadlock: detection through the runner', function () {
  this.timeout(60_000);
  afterEach(cleanup);

  for (const c of CASES) {
    it(`${c.script} ${(c.args ?? []).join(' ')}`.trim(), async () => {
      const r = await run(c.script, c.args ?? []);
      const f = theDeadlock(r);
      const m = marks(c.script);
      for (const e of c.expect) {
        const line = m[e.tag];
        assert.ok(line, `marker ${e.tag} in ${c.script}`);
        const got = pidsAt(f, c.script, line, e.role);
        const candidates = pidOf(r.report, e.who);
        assert.ok(got.length >= 1, `a ${e.role} location at ${c.script}:${line} (${e.tag}); locations: ${JSON.stringify(f.locations)}`);
        for (const pid of got) assert.ok(candidates.includes(pid), `pid ${pid} at ${e.tag} is one of ${e.who}`);
        if (e.count !== undefined) assert.strictEqual(got.length, e.count, `${e.count} processes at ${e.tag}`);
        for (const pid of got) assert.ok(f.pids.includes(pid), `pid ${pid} is in the finding's pids`);
      }
      for (const re of c.message) assert.match(f.message, re);
      if (c.cycle !== undefined) {
        const d = f.details as { cycle: number[] };
        assert.strictEqual(new Set(d.cycle).size, c.cycle);
      }
      // The stacks of the processes that wait are in the report, innermost user frame marked.
      const stacks = (f.details as { stacks: Record<string, Array<{ frames: Array<{ user?: boolean }> }>> }).stacks;
      assert.ok(Object.keys(stacks).length > 0, 'stacks of the involved processes');
      assert.ok(
        Object.values(stacks).some((threads) => threads.some((t) => t.frames.some((fr) => fr.user))),
        'a user frame is marked',
      );
    });
  }
});
