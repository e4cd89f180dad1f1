// The finding rules on hand-made event sequences: the same messages the agent and the
// supervisor send, so the rules' timing logic can be checked exactly.
import * as assert from 'assert';
import { RunModel } from '../../../src/runner/model';
import { lifecycleFindings } from '../../../src/runner/findings';
import type { FindingContext } from '../../../src/runner/findings/context';
import type { AgentMessage } from '../../../src/runner/protocol';
import { PauseRecorder, starvationMs } from '../../../src/runner/findings/parentPauses';

const SUP = 100;
const MAIN = 200;
const CHILD = 201;
const site = (line: number) => ({ file: '/w/app.py', line, function: '<module>' });

function model(events: Array<[number, Record<string, unknown>]>): RunModel {
  const m = new RunModel();
  m.onHello({ t: 'hello', ts: 0, token: 't', pid: SUP, ppid: 1, role: 'supervisor', argv: [], executable: '', python: '3.11.7', cwd: '/w' }, 0);
  for (const [from, msg] of events) {
    if (msg.t === 'hello') m.onHello(msg as never, msg.ts as number);
    else if (msg.t === 'disconnect') m.onDisconnect(from, msg.ts as number);
    else m.apply(from, msg as AgentMessage);
  }
  return m;
}

function hello(pid: number, ppid: number, role: string, ts: number, mpName: string | null = null) {
  return { t: 'hello', ts, token: 't', pid, ppid, role, mpName, argv: ['python3', 'app.py'], executable: '', python: '3.11.7', cwd: '/w' };
}

function ctx(m: RunModel, extra: Partial<FindingContext> = {}): FindingContext {
  return { model: m, stopReason: null, stopAt: null, endedAt: 10_000, zombieThresholdMs: 1000, timeoutMs: null, ...extra };
}

const start = (ts: number, began = ts - 5) => ({
  t: 'process_start', ts, began, child: CHILD, by: MAIN, name: 'Process-1', daemon: false, kind: 'process', target: '__main__.f', startMethod: 'fork', owner: null, site: site(12),
});

describe('runner: finding rules', () => {
  it('zombie: exited at 1.0 s, reaped at 3.0 s by a join', () => {
    const m = model([
      [SUP, { t: 'sup_started', ts: 0, child: MAIN, argv: [], subreaper: true, maxProcesses: 256 }],
      [MAIN, hello(MAIN, SUP, 'main', 10)],
      [MAIN, start(100)],
      [CHILD, hello(CHILD, MAIN, 'child', 90, 'Process-1')],
      [CHILD, { t: 'exit', ts: 1000, how: 'bootstrap', code: 0, site: null }],
      [CHILD, { t: 'disconnect', ts: 1001 }],
      [MAIN, { t: 'reaped', ts: 3000, child: CHILD, exitcode: 0, signal: null, atExit: false, site: site(14) }],
      [MAIN, { t: 'join', ts: 3001, child: CHILD, timeout: null, exitcode: 0, began: 2999, atExit: false, site: site(14) }],
    ]);
    const f = lifecycleFindings(ctx(m));
    assert.deepStrictEqual(f.map((x) => x.kind), ['zombie']);
    assert.match(f[0].message, /for 2\.0 s/);
    assert.deepStrictEqual(f[0].locations.map((l) => [l.line, l.role]), [[12, 'start'], [14, 'reaped']]);
  });

  it('zombie: time spent starting and joining siblings does not count', () => {
    const m = model([
      [SUP, { t: 'sup_started', ts: 0, child: MAIN, argv: [], subreaper: true, maxProcesses: 256 }],
      [MAIN, hello(MAIN, SUP, 'main', 10)],
      [MAIN, start(100)],
      [CHILD, { t: 'exit', ts: 200, how: 'bootstrap', code: 0, site: null }],
      [CHILD, { t: 'disconnect', ts: 201 }],
      // Starting 50 more processes kept the parent busy until 2.5 s...
      [MAIN, { ...start(2500, 110), child: 300, name: 'Process-2' }],
      // ... then it joined the first one.
      [MAIN, { t: 'reaped', ts: 2600, child: CHILD, exitcode: 0, signal: null, atExit: false, site: site(14) }],
      [MAIN, { t: 'join', ts: 2601, child: CHILD, timeout: null, exitcode: 0, began: 2590, atExit: false, site: site(14) }],
      [MAIN, { t: 'join', ts: 2700, child: 300, timeout: null, exitcode: 0, began: 2602, atExit: false, site: site(14) }],
    ]);
    assert.deepStrictEqual(lifecycleFindings(ctx(m)).filter((f) => f.kind === 'zombie'), []);
  });

  // A child that exited at 1.0 s and was collected at 3.0 s; `events` says what else happened.
  const zombieRun = (events: Array<[number, Record<string, unknown>]> = [], exitMsgAt = 1000, diedAt = 1001) =>
    model([
      [SUP, { t: 'sup_started', ts: 0, child: MAIN, argv: [], subreaper: true, maxProcesses: 256 }],
      [MAIN, hello(MAIN, SUP, 'main', 10)],
      [MAIN, start(100)],
      [CHILD, hello(CHILD, MAIN, 'child', 90, 'Process-1')],
      [CHILD, { t: 'exit', ts: exitMsgAt, how: 'bootstrap', code: 0, site: null }],
      [CHILD, { t: 'disconnect', ts: diedAt }],
      ...events,
      [MAIN, { t: 'reaped', ts: 3000, child: CHILD, exitcode: 0, signal: null, atExit: false, site: site(14) }],
      [MAIN, { t: 'join', ts: 3001, child: CHILD, timeout: null, exitcode: 0, began: 2999, atExit: false, site: site(14) }],
    ]);
  const zombies = (m: RunModel, extra: Partial<FindingContext> = {}) => lifecycleFindings(ctx(m, extra)).filter((f) => f.kind === 'zombie');

  it('zombie: counted from the death, not from the exit message (a slow interpreter exit is no zombie)', () => {
    // Said goodbye at 1.0 s, but the interpreter took until 2.5 s to finish exiting (a loaded
    // machine): dead, and collectable, for 0.5 s only.
    assert.deepStrictEqual(zombies(zombieRun([], 1000, 2500)), []);
    // Without a sign of its death before the reap (its socket closing, Z in /proc), nothing is.
    const m = model([
      [SUP, { t: 'sup_started', ts: 0, child: MAIN, argv: [], subreaper: true, maxProcesses: 256 }],
      [MAIN, hello(MAIN, SUP, 'main', 10)],
      [MAIN, start(100)],
      [CHILD, { t: 'exit', ts: 1000, how: 'bootstrap', code: 0, site: null }],
      [SUP, { t: 'sup_proc', ts: 1400, pid: CHILD, ppid: MAIN, state: 'Z', comm: 'python3' }],
      [MAIN, { t: 'reaped', ts: 3000, child: CHILD, exitcode: 0, signal: null, atExit: false, site: site(14) }],
    ]);
    assert.match(zombies(m)[0]?.message ?? '', /for 1\.6 s/);
  });

  it('zombie: time the parent was stopped (SIGSTOP, Ctrl-Z, a debugger) does not count', () => {
    const pauses = new PauseRecorder(() => null);
    // The supervisor saw the parent stopped from 1.1 s to 2.9 s, and it reaped at 3.0 s.
    pauses.onState(MAIN, 'S', 500);
    pauses.onState(MAIN, 'T', 1100);
    pauses.onState(MAIN, 'S', 2900);
    assert.deepStrictEqual(zombies(zombieRun(), { pauses: pauses.result(10_000) }), []);
    // Without that knowledge, the same run is a zombie of 2.0 s.
    assert.match(zombies(zombieRun())[0]?.message ?? '', /for 2\.0 s/);
  });

  it('zombie: a parent that neglects its child once continued is still reported, for its own time', () => {
    const pauses = new PauseRecorder(() => null);
    pauses.onState(MAIN, 'T', 1001);
    pauses.onState(MAIN, 'R', 1500); // continued, then 1.5 s without reaping
    const [z, ...rest] = zombies(zombieRun(), { pauses: pauses.result(10_000) });
    assert.strictEqual(rest.length, 0);
    assert.match(z.message, /for 1\.5 s until its parent collected it at app\.py:14/);
    assert.match(z.message, /not counting 0\.5 s its parent was stopped or waiting for a CPU/);
  });

  it('zombie: time the parent spent waiting for a CPU does not count', async () => {
    // The parent's threads' run-queue waits (ns) once the child had been dead a while, then reaped.
    const readings = [new Map([[MAIN, 5e6], [MAIN + 1, 1e6]]), new Map([[MAIN, 6e6], [MAIN + 1, 1.9e9 + 1e6]])];
    const read = (pid: number) => (pid === MAIN ? readings.shift() ?? null : null);
    const pauses = new PauseRecorder(read, 5);
    const m = zombieRun();
    const child = m.processes.get(CHILD)!;
    // As the session would: dead (disconnected), not reaped, then reaped.
    const reapedAt = child.reapedAt;
    child.reapedAt = null;
    child.disconnectedAt = Date.now();
    pauses.onProcess(child);
    await new Promise((r) => setTimeout(r, 30));
    child.reapedAt = reapedAt;
    pauses.onProcess(child);
    // 1900 ms of run-queue wait, plus however late the first reading came (the runner waited too).
    const starved = pauses.result(10_000).starvedMs.get(child)!;
    assert.ok(starved >= 1900 && starved < 1900 + 1000, `starved ${starved}`);
    child.disconnectedAt = 1001;
    assert.deepStrictEqual(zombies(m, { pauses: pauses.result(10_000) }), []);
  });

  it('zombie: a child collected at once costs no reading of its parent', async () => {
    const reads: number[] = [];
    const pauses = new PauseRecorder((pid) => (reads.push(pid), new Map([[pid, 0]])), 5);
    const child = zombieRun().processes.get(CHILD)!;
    const reapedAt = child.reapedAt;
    child.reapedAt = null;
    child.disconnectedAt = Date.now();
    pauses.onProcess(child);
    child.reapedAt = reapedAt; // collected before the reading was due
    pauses.onProcess(child);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepStrictEqual(reads, []);
    assert.strictEqual(pauses.result(10_000).starvedMs.has(child), false);
  });

  it('starvation: the thread that waited longest counts; a thread born in between counts whole', () => {
    assert.strictEqual(starvationMs(new Map([[1, 0], [2, 5e6]]), new Map([[1, 3e6], [2, 9e6]])), 4);
    assert.strictEqual(starvationMs(new Map([[1, 0]]), new Map([[1, 1e6], [7, 8e6]])), 8);
  });

  it('orphan: the parent died first; the supervisor adopted and reaped the child', () => {
    const m = model([
      [SUP, { t: 'sup_started', ts: 0, child: MAIN, argv: [], subreaper: true, maxProcesses: 256 }],
      [MAIN, hello(MAIN, SUP, 'main', 10)],
      [MAIN, start(100)],
      [CHILD, hello(CHILD, MAIN, 'child', 90, 'Process-1')],
      [SUP, { t: 'sup_proc', ts: 150, pid: CHILD, ppid: MAIN, state: 'S', comm: 'python3' }],
      [MAIN, { t: 'exit', ts: 500, how: 'os._exit', code: 0, site: site(20) }],
      [MAIN, { t: 'disconnect', ts: 501 }],
      [SUP, { t: 'sup_reaped', ts: 502, pid: MAIN, exitcode: 0, signal: null, adopted: false }],
      [SUP, { t: 'sup_proc', ts: 550, pid: CHILD, ppid: SUP, state: 'S', comm: 'python3' }],
      [CHILD, { t: 'disconnect', ts: 1500 }],
      [SUP, { t: 'sup_reaped', ts: 1501, pid: CHILD, exitcode: 0, signal: null, adopted: true }],
    ]);
    const f = lifecycleFindings(ctx(m));
    const orphan = f.find((x) => x.kind === 'orphan');
    assert.ok(orphan);
    assert.match(orphan.message, /called os\._exit\(\) at app\.py:20 first/);
    assert.match(orphan.message, /ran 1\.0 s longer/);
    assert.deepStrictEqual(orphan.locations.map((l) => [l.line, l.role]), [[12, 'start'], [20, 'parent-exit']]);
    assert.match(f.find((x) => x.kind === 'unjoined')?.message ?? '', /left running after its parent/);
  });

  it('unjoined: joined implicitly at exit (warning) versus joined explicitly (nothing)', () => {
    const base: Array<[number, Record<string, unknown>]> = [
      [SUP, { t: 'sup_started', ts: 0, child: MAIN, argv: [], subreaper: true, maxProcesses: 256 }],
      [MAIN, hello(MAIN, SUP, 'main', 10)],
      [MAIN, start(100)],
    ];
    const atExit = model([
      ...base,
      [MAIN, { t: 'join', ts: 900, child: CHILD, timeout: null, exitcode: 0, began: 800, atExit: true, site: null }],
    ]);
    const f = lifecycleFindings(ctx(atExit));
    assert.strictEqual(f.length, 1);
    assert.strictEqual(f[0].severity, 'warning');
    assert.match(f[0].message, /joined implicitly at interpreter exit/);
    const explicit = model([
      ...base,
      [MAIN, { t: 'join', ts: 900, child: CHILD, timeout: null, exitcode: 0, began: 800, atExit: false, site: site(13) }],
    ]);
    assert.deepStrictEqual(lifecycleFindings(ctx(explicit)), []);
    const timedOut = model([
      ...base,
      [MAIN, { t: 'join', ts: 900, child: CHILD, timeout: 0.1, exitcode: null, began: 800, atExit: false, site: site(13) }],
    ]);
    assert.strictEqual(lifecycleFindings(ctx(timedOut)).length, 1, 'a join that timed out is not a join');
  });

  it('nothing is blamed on the program for processes mpscope itself stopped', () => {
    const m = model([
      [SUP, { t: 'sup_started', ts: 0, child: MAIN, argv: [], subreaper: true, maxProcesses: 256 }],
      [MAIN, hello(MAIN, SUP, 'main', 10)],
      [MAIN, start(100)],
      [SUP, { t: 'sup_stopping', ts: 5000, reason: 'request', pids: [MAIN, CHILD] }],
      [SUP, { t: 'sup_reaped', ts: 5010, pid: CHILD, exitcode: null, signal: 15, adopted: true }],
      [SUP, { t: 'sup_reaped', ts: 5011, pid: MAIN, exitcode: null, signal: 15, adopted: false }],
    ]);
    const f = lifecycleFindings(ctx(m, { stopReason: 'timeout', stopAt: 5000, timeoutMs: 5000 }));
    assert.deepStrictEqual(f.map((x) => x.kind), ['timeout']);
  });

  it('leaked-shm: created and closed but never unlinked, by any process', () => {
    const shm = (op: string, from: number, ts: number) =>
      [from, { t: 'shm', ts, op, name: 'psm_1', size: op === 'create' ? 64 : null, site: site(4) }] as [number, Record<string, unknown>];
    const leak = model([[MAIN, hello(MAIN, SUP, 'main', 10)], shm('create', MAIN, 20), shm('close', MAIN, 30)]);
    const f = lifecycleFindings(ctx(leak));
    assert.deepStrictEqual(f.map((x) => x.kind), ['leaked-shm']);
    assert.match(f[0].message, /'psm_1' \(64 bytes\)/);
    const unlinkedElsewhere = model([
      [MAIN, hello(MAIN, SUP, 'main', 10)],
      shm('create', MAIN, 20),
      shm('unlink', CHILD, 40),
    ]);
    assert.deepStrictEqual(lifecycleFindings(ctx(unlinkedElsewhere)), []);
  });

  it('a late hello (after the supervisor saw the process go) is the same process, not a reused pid', () => {
    const m = model([
      [MAIN, hello(MAIN, SUP, 'main', 10)],
      [MAIN, start(100)],
      [SUP, { t: 'sup_gone', ts: 400, pid: CHILD }],
      [CHILD, hello(CHILD, MAIN, 'child', 90, 'Process-1')],
    ]);
    assert.strictEqual(m.all().filter((p) => p.pid === CHILD).length, 1);
    assert.strictEqual(m.processes.get(CHILD)?.startSite?.line, 12);
  });
});
