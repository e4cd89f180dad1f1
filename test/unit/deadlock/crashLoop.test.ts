// A Pool whose initializer raises in every worker (src/runner/deadlock/crashLoop.ts), on the real
// session model fed the messages the agents send, and a synthetic snapshot of the waiting parent.
import * as assert from 'assert';
import { CRASH_LOOP_MIN_FAILURES, poolCrashLoops } from '../../../src/runner/deadlock/crashLoop';
import { poolCrashLoopFinding } from '../../../src/runner/deadlock/findings';
import { failedInPoolInitializer } from '../../../src/runner/findings/childException';
import { RunModel, type ExceptionRecord } from '../../../src/runner/model';
import type { AgentMessage } from '../../../src/runner/protocol';
import { proc, snapshot, thread, wait } from './synthetic';

const MAIN = 10;
const POOL = 'Pool:10:7f00';
const APP = '/w/app.py';
const POOL_PY = '/usr/lib/python3.11/multiprocessing/pool.py';
const HANG = 1000;
const NOW = 10_000;

const userFrame = { file: APP, line: 4, function: 'init', user: true };
const workerLoop = { file: POOL_PY, line: 109, function: 'worker', user: false };
const bootstrap = { file: '/usr/lib/python3.11/multiprocessing/process.py', line: 314, function: '_bootstrap', user: false };

const send = (m: RunModel, from: number, msg: Record<string, unknown>) => m.apply(from, msg as unknown as AgentMessage);

function hello(pid: number, ppid: number, role: string, ts: number) {
  return { t: 'hello', ts, token: 't', pid, ppid, role, argv: ['python3', APP], executable: '/usr/bin/python3', python: '3.11.7', cwd: '/w' } as never;
}

function pool(): RunModel {
  const m = new RunModel();
  m.onHello(hello(MAIN, 1, 'main', 100), 100);
  send(m, MAIN, { t: 'owner', ts: 200, op: 'create', id: POOL, type: 'Pool', atExit: false, site: { file: APP, line: 28 } });
  return m;
}

/** A worker of the Pool, started at ts; it raises `frames` (innermost first) and exits, unless alive. */
function worker(m: RunModel, pid: number, ts: number, frames: ExceptionRecord['frames'] | null, alive = false) {
  send(m, pid, { t: 'process_start', ts, child: pid, by: MAIN, began: ts - 1, name: `ForkPoolWorker-${pid}`, daemon: true, kind: 'pool-worker', owner: POOL });
  m.onHello(hello(pid, MAIN, 'worker', ts + 2), ts + 2);
  if (frames) {
    send(m, pid, { t: 'exception', ts: ts + 3, where: 'run', type: 'ValueError', message: 'cannot open the model file', frames, site: frames[0] });
  }
  if (!alive) m.onDisconnect(pid, ts + 4);
}

/** The parent waits for the Pool's results at fixture.py:29 (synthetic.ts) since `since`. */
const waiting = (since: number) => snapshot([proc(MAIN, 'MainProcess', [thread(1, wait('pool-result', POOL, 29, { since }))])]);

describe('deadlock: a Pool whose initializer fails in every worker', () => {
  it('recognises an exception from the initializer: user code right below the pool worker loop, not a BaseException', () => {
    const e = (type: string, frames: ExceptionRecord['frames']): ExceptionRecord => ({ ts: 0, where: 'run', type, message: '', frames, site: frames[0] });
    assert.strictEqual(failedInPoolInitializer(e('ValueError', [userFrame, workerLoop, bootstrap])), true);
    assert.strictEqual(failedInPoolInitializer(e('SystemExit', [userFrame, workerLoop, bootstrap])), false, 'a task may raise it');
    assert.strictEqual(failedInPoolInitializer(e('ValueError', [userFrame, { ...workerLoop, function: 'run', file: '/usr/lib/python3.11/multiprocessing/process.py' }])), false, 'a Process target');
    assert.strictEqual(failedInPoolInitializer(e('ValueError', [workerLoop, bootstrap])), false, 'no user code');
  });

  it(`is a crash loop once ${CRASH_LOOP_MIN_FAILURES} workers failed and the parent waited the hang timeout`, () => {
    const m = pool();
    for (let i = 0; i < CRASH_LOOP_MIN_FAILURES; i++) worker(m, 20 + i, 300 + i * 10, [userFrame, workerLoop, bootstrap]);
    worker(m, 40, NOW - 5, null, true); // the next one, just started
    const [loop, ...rest] = poolCrashLoops(m, waiting(NOW - HANG), HANG, NOW);
    assert.strictEqual(rest.length, 0);
    assert.ok(loop, 'a crash loop');
    assert.deepStrictEqual(
      loop.failed.map((p) => p.pid),
      [20, 21, 22, 23],
    );
    assert.strictEqual(loop.waiting[0].proc.pid, MAIN);
    // Started by the Pool's own thread (no user frame): its user line is where the Pool was created.
    assert.deepStrictEqual(m.get(22).startSite, { file: APP, line: 28 });
    const f = poolCrashLoopFinding(waiting(NOW - HANG), loop);
    assert.strictEqual(f.kind, 'deadlock');
    assert.strictEqual(f.severity, 'error');
    assert.match(f.message, /^Deadlock: MainProcess \(pid 10\) waits for results of Pool#1 at fixture\.py:29, which never come: every worker of the Pool \(created at app\.py:28\) raises ValueError at app\.py:4/);
    assert.deepStrictEqual(
      f.locations.map((l) => [l.line, l.role]),
      [
        [29, 'waits'],
        [4, 'exception'],
        [28, 'start'],
      ],
    );
    assert.deepStrictEqual(f.pids.sort(), [10, 20, 21, 22, 23]);
    assert.strictEqual((f.details as { type: string }).type, 'pool-crash-loop');
  });

  it('is not one while the parent has waited less than the hang timeout, or with fewer failures', () => {
    const m = pool();
    for (let i = 0; i < CRASH_LOOP_MIN_FAILURES; i++) worker(m, 20 + i, 300 + i * 10, [userFrame, workerLoop, bootstrap]);
    assert.deepStrictEqual(poolCrashLoops(m, waiting(NOW - HANG + 1), HANG, NOW), []);
    const few = pool();
    for (let i = 0; i < CRASH_LOOP_MIN_FAILURES - 1; i++) worker(few, 20 + i, 300 + i * 10, [userFrame, workerLoop, bootstrap]);
    assert.deepStrictEqual(poolCrashLoops(few, waiting(NOW - HANG), HANG, NOW), []);
  });

  it('is not one when a worker got past the initializer: alive for the hang timeout, or ended another way', () => {
    const live = pool();
    for (let i = 0; i < 6; i++) worker(live, 20 + i, 300 + i * 10, [userFrame, workerLoop, bootstrap]);
    worker(live, 40, NOW - HANG - 1, null, true);
    assert.deepStrictEqual(poolCrashLoops(live, waiting(NOW - HANG), HANG, NOW), [], 'a worker alive long enough to take tasks');
    const killed = pool();
    for (let i = 0; i < 6; i++) worker(killed, 20 + i, 300 + i * 10, [userFrame, workerLoop, bootstrap]);
    worker(killed, 40, 500, null); // ended without an exception (killed mid-task: CPython issue 96062)
    assert.deepStrictEqual(poolCrashLoops(killed, waiting(NOW - HANG), HANG, NOW), []);
  });

  it('is not one when nobody waits for that Pool', () => {
    const m = pool();
    for (let i = 0; i < 6; i++) worker(m, 20 + i, 300 + i * 10, [userFrame, workerLoop, bootstrap]);
    const other = snapshot([proc(MAIN, 'MainProcess', [thread(1, wait('pool-result', 'Pool:10:beef', 29, { since: NOW - HANG }))])]);
    assert.deepStrictEqual(poolCrashLoops(m, other, HANG, NOW), []);
  });
});
