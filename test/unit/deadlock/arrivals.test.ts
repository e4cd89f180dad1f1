// Processes that have not connected yet and the run's changing set of processes (arrivals.ts):
// which live processes may still connect (and so may wake anybody), the bound on that, when the
// set last changed, and what the analysis makes of both. The session model is the real one, fed
// the messages the agents and the supervisor send.
import * as assert from 'assert';
import { analyze } from '../../../src/runner/deadlock/analyze';
import {
  agentDisabledByOptions,
  CONNECT_GRACE_MS,
  processSetChangedAt,
  stillStarting,
} from '../../../src/runner/deadlock/arrivals';
import { buildSnapshot, PrimLabels } from '../../../src/runner/deadlock/snapshot';
import { StateFiles } from '../../../src/runner/deadlock/stateFile';
import { RunModel } from '../../../src/runner/model';
import type { AgentMessage } from '../../../src/runner/protocol';
import { proc, ring, snapshot, thread, wait } from './synthetic';

const SUP = 1;
const MAIN = 10;
const T0 = 1_000_000;

function hello(pid: number, ppid: number, role: string, ts: number, argv: string[] = ['python3', 'app.py']) {
  return { t: 'hello', ts, token: 't', pid, ppid, role, argv, executable: '/usr/bin/python3', python: '3.11.7', cwd: '/w' } as never;
}

/** A run: the supervisor and the main process, connected at T0. */
function run(): RunModel {
  const m = new RunModel();
  m.onHello(hello(SUP, 1, 'supervisor', T0), T0);
  m.apply(SUP, { t: 'sup_started', ts: T0, child: MAIN, argv: [], subreaper: true, maxProcesses: 256 } as AgentMessage);
  m.onHello(hello(MAIN, SUP, 'main', T0 + 50), T0 + 50);
  return m;
}

const send = (m: RunModel, from: number, msg: Record<string, unknown>) => m.apply(from, msg as unknown as AgentMessage);

/** The main process started a Pool worker (spawn) at ts; the supervisor saw it with this comm. */
function poolWorker(m: RunModel, pid: number, ts: number, comm = 'python3') {
  send(m, MAIN, { t: 'process_start', ts, child: pid, by: MAIN, began: ts - 5, name: `SpawnPoolWorker-${pid}`, daemon: true, kind: 'pool-worker' });
  send(m, SUP, { t: 'sup_proc', ts: ts + 10, pid, ppid: MAIN, state: 'S', comm, argv: ['python3', 'app.py'] });
}

/** The main process started a subprocess with these arguments; after exec its comm is comm. */
function popen(m: RunModel, pid: number, ts: number, args: string[], comm: string) {
  send(m, SUP, { t: 'sup_proc', ts, pid, ppid: MAIN, state: 'S', comm, argv: args });
  send(m, MAIN, { t: 'popen', ts: ts + 1, child: pid, args });
}

describe('deadlock: processes still starting, the set of processes changing', () => {
  it('a Pool worker that has not connected yet is still starting, until it says hello', () => {
    const m = run();
    poolWorker(m, 20, T0 + 1000);
    const p = m.get(20);
    assert.strictEqual(stillStarting(m, p, T0 + 1500), true);
    m.onHello(hello(20, MAIN, 'child', T0 + 1800), T0 + 1800);
    assert.strictEqual(stillStarting(m, p, T0 + 1900), false, 'connected: its state file speaks for it');
  });

  it('one that never connects counts as starting for CONNECT_GRACE_MS only', () => {
    const m = run();
    poolWorker(m, 20, T0 + 1000);
    const p = m.get(20);
    assert.strictEqual(stillStarting(m, p, T0 + 1000 + CONNECT_GRACE_MS - 100), true);
    assert.strictEqual(stillStarting(m, p, T0 + 1000 + CONNECT_GRACE_MS + 100), false);
  });

  it('one that ended before it connected is not starting', () => {
    const m = run();
    poolWorker(m, 20, T0 + 1000);
    send(m, SUP, { t: 'sup_proc', ts: T0 + 1100, pid: 20, ppid: MAIN, state: 'Z', comm: 'python3' });
    assert.strictEqual(stillStarting(m, m.get(20), T0 + 1200), false);
  });

  it('a subprocess that is not Python, or a Python without site or the environment, never connects', () => {
    const m = run();
    popen(m, 30, T0 + 1000, ['sleep', '60'], 'sleep');
    popen(m, 31, T0 + 1000, ['/usr/bin/python3', '-I', '-c', 'pass'], 'python3');
    popen(m, 32, T0 + 1000, ['python3', '-X', 'dev', '-sE', 'tool.py'], 'python3');
    popen(m, 33, T0 + 1000, ['/usr/bin/python3.11', 'tool.py', '-I'], 'python3.11');
    assert.strictEqual(stillStarting(m, m.get(30), T0 + 1100), false, 'sleep');
    assert.strictEqual(stillStarting(m, m.get(31), T0 + 1100), false, 'python3 -I');
    assert.strictEqual(stillStarting(m, m.get(32), T0 + 1100), false, 'python3 -X dev -sE');
    assert.strictEqual(stillStarting(m, m.get(33), T0 + 1100), true, "the script's own -I is no interpreter option");
  });

  it('a Python subprocess whose environment cannot load the agent never connects (the supervisor read it)', () => {
    const m = run();
    const withEnv = (pid: number, agentEnv: boolean | undefined) => {
      const msg: Record<string, unknown> = { t: 'sup_proc', ts: T0 + 1000, pid, ppid: MAIN, state: 'S', comm: 'python3', argv: ['python3', 'tool.py'] };
      if (agentEnv !== undefined) msg.agentEnv = agentEnv;
      send(m, SUP, msg);
      send(m, MAIN, { t: 'popen', ts: T0 + 1001, child: pid, args: ['python3', 'tool.py'] });
    };
    withEnv(50, false);
    withEnv(51, true);
    withEnv(52, undefined);
    assert.strictEqual(m.get(50).agentEnv, false);
    assert.strictEqual(stillStarting(m, m.get(50), T0 + 1100), false, 'no token or bootstrap in its environment');
    assert.strictEqual(stillStarting(m, m.get(51), T0 + 1100), true, 'its environment lets the agent in');
    assert.strictEqual(stillStarting(m, m.get(52), T0 + 1100), true, 'unknown: it may');
    // A later sup_proc (a state change) says nothing of the environment and changes nothing.
    send(m, SUP, { t: 'sup_proc', ts: T0 + 1200, pid: 50, ppid: MAIN, state: 'R', comm: 'python3' });
    assert.strictEqual(m.get(50).agentEnv, false);
    // Even a multiprocessing child: its parent changed PYTHONPATH before starting it.
    poolWorker(m, 53, T0 + 1000);
    send(m, SUP, { t: 'sup_proc', ts: T0 + 1020, pid: 53, ppid: MAIN, state: 'S', comm: 'python3', agentEnv: false });
    assert.strictEqual(stillStarting(m, m.get(53), T0 + 1100), false);
  });

  it('helpers and processes whose agent failed are not waited for', () => {
    const m = run();
    send(m, MAIN, { t: 'process_start', ts: T0 + 1000, child: 40, by: MAIN, began: T0 + 990, name: 'SyncManager-1', daemon: false, kind: 'manager' });
    assert.strictEqual(stillStarting(m, m.get(40), T0 + 1100), false, 'a manager is a helper');
    poolWorker(m, 41, T0 + 1000);
    m.get(41).agentFailed = true;
    assert.strictEqual(stillStarting(m, m.get(41), T0 + 1100), false);
  });

  it('interpreter options: -I, -S, -E in any group, up to the program', () => {
    assert.strictEqual(agentDisabledByOptions(['python3', '-I', 'x.py']), true);
    assert.strictEqual(agentDisabledByOptions(['python3', '-bS', 'x.py']), true);
    assert.strictEqual(agentDisabledByOptions(['python3', '-W', 'error', '-E', 'x.py']), true);
    assert.strictEqual(agentDisabledByOptions(['python3', '-Werror', 'x.py', '-I']), false);
    assert.strictEqual(agentDisabledByOptions(['python3', '-c', 'import sys', '-I']), false);
    assert.strictEqual(agentDisabledByOptions(['python3', '-mpkg', '-S']), false);
    assert.strictEqual(agentDisabledByOptions(['node', '-I']), false, 'not Python: nothing to say');
  });

  it('the set of processes last changed at the latest start, connection or end', () => {
    const m = run();
    assert.strictEqual(processSetChangedAt(m), T0 + 50);
    poolWorker(m, 20, T0 + 1000);
    assert.strictEqual(processSetChangedAt(m), T0 + 1000);
    m.onHello(hello(20, MAIN, 'child', T0 + 1400), T0 + 1450);
    assert.strictEqual(processSetChangedAt(m), T0 + 1450, 'connected');
    m.onDisconnect(20, T0 + 3000);
    assert.strictEqual(processSetChangedAt(m), T0 + 3000, 'ended');
  });

  it('the snapshot lists a process still starting as alive and running, and when the set changed', () => {
    const m = run();
    poolWorker(m, 20, T0 + 1000);
    const snap = buildSnapshot(m, new StateFiles('/nonexistent-mpscope-run'), new PrimLabels(), new Map(), T0 + 1500);
    const p = snap.processes.find((x) => x.pid === 20);
    assert.ok(p, JSON.stringify(snap.processes.map((x) => x.pid)));
    assert.deepStrictEqual([p.alive, p.starting, p.complete, p.threads.length, p.name], [true, true, false, 0, 'SpawnPoolWorker-20']);
    assert.strictEqual(snap.processesChangedAt, T0 + 1000);
  });

  it('analysis: nobody waits in vain while a process is still starting', () => {
    const snap = snapshot([
      proc(10, 'MainProcess', [thread(1, wait('pool-result', 'Pool:p', 12, { since: 1_000 }))]),
      proc(20, 'SpawnPoolWorker-3', [], { userThreads: 1, starting: true }),
    ]);
    assert.deepStrictEqual(analyze(snap).deadlocked, []);
    snap.processes.pop();
    assert.strictEqual(analyze(snap).deadlocked.length, 1, 'without it, the main process waits in vain');
  });

  it('analysis: a lock cycle is a deadlock even while a process is still starting (it holds neither lock)', () => {
    const snap = ring(2);
    snap.processes.push(proc(300, 'Process-9', [], { userThreads: 1, starting: true }));
    assert.deepStrictEqual([...new Set(analyze(snap).deadlocked.map((b) => b.proc.pid))].sort(), [100, 101, 99]);
  });

  it('analysis: the deadlock forms no earlier than the last change in the set of processes', () => {
    const snap = snapshot([proc(10, 'MainProcess', [thread(1, wait('pool-result', 'Pool:p', 12, { since: 1_000 }))])]);
    assert.strictEqual(analyze(snap).formedAt, 1_000);
    snap.processesChangedAt = 7_500; // its last worker exited then
    assert.strictEqual(analyze(snap).formedAt, 7_500);
    snap.processesChangedAt = 500;
    assert.strictEqual(analyze(snap).formedAt, 1_000, 'the last wait began later');
  });
});
