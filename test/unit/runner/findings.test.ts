// The finding rules on hand-made event sequences: the same messages the agent and the
// supervisor send, so the rules' timing logic can be checked exactly.
import * as assert from 'assert';
import { RunModel } from '../../../src/runner/model';
import { lifecycleFindings } from '../../../src/runner/findings';
import type { FindingContext } from '../../../src/runner/findings/context';
import type { AgentMessage } from '../../../src/runner/protocol';

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
  t: 'process_start', ts, began, child: CHILD, name: 'Process-1', daemon: false, kind: 'process', target: '__main__.f', startMethod: 'fork', owner: null, site: site(12),
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
      // Starting 50 more processes kept the parent busy until 2.5 s...
      [MAIN, { ...start(2500, 110), child: 300, name: 'Process-2' }],
      // ... then it joined the first one.
      [MAIN, { t: 'reaped', ts: 2600, child: CHILD, exitcode: 0, signal: null, atExit: false, site: site(14) }],
      [MAIN, { t: 'join', ts: 2601, child: CHILD, timeout: null, exitcode: 0, began: 2590, atExit: false, site: site(14) }],
      [MAIN, { t: 'join', ts: 2700, child: 300, timeout: null, exitcode: 0, began: 2602, atExit: false, site: site(14) }],
    ]);
    assert.deepStrictEqual(lifecycleFindings(ctx(m)).filter((f) => f.kind === 'zombie'), []);
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
