// Processes that come and go while others wait (src/runner/deadlock/arrivals.ts), under the real
// runner: a Pool whose replacement workers are slow to arrive is no deadlock (it was reported as
// one on loaded machines: the waiting parent was judged alone while the replacement had not
// connected yet, or had not been started yet); a child that never connects does not keep a real
// deadlock from being reported.
import * as assert from 'assert';
import { CONNECT_GRACE_MS } from '../../../src/runner/deadlock/arrivals';
import type { ProcessRecord } from '../../../src/runner/model';
import { cleanup, deadlocks, marks, pidsAt, run, theDeadlock } from './helpers';

const HANG_MS = 1000;

const workers = (all: ProcessRecord[]) => all.filter((p) => /PoolWorker/.test(p.name ?? '')).sort((a, b) => a.startTime! - b.startTime!);

describe('deadlock: processes starting and ending while others wait', function () {
  this.timeout(60_000);
  afterEach(cleanup);

  it('a Pool whose workers take longer than the hang timeout to start is no deadlock (spawn)', async () => {
    const r = await run('neg_pool_slow_replacement.py', ['--slow=start', '--start=spawn'], { hangTimeoutMs: HANG_MS });
    assert.deepStrictEqual(deadlocks(r.report), [], JSON.stringify(r.report.findings.map((f) => f.message)));
    assert.strictEqual(r.report.stopped, null);
    assert.strictEqual(r.report.exitCode, 0);
    assert.strictEqual(r.stdout, '55\n');
    // The case happened: each worker connected more than the hang timeout after it started,
    // while the parent waited in map() with no other worker.
    // (A third may have been started as the pool was closed.)
    const ws = workers(r.session.model.all()).slice(0, 2);
    assert.strictEqual(ws.length, 2, 'one worker, replaced');
    for (const w of ws) assert.ok(w.connectedAt! - w.startTime! > HANG_MS, `${w.name} connected ${w.connectedAt! - w.startTime!} ms after it started`);
  });

  for (const m of ['fork', 'spawn']) {
    it(`a Pool that replaces its last worker late, after map() waited for longer than the hang timeout, is no deadlock (${m})`, async () => {
      const r = await run('neg_pool_slow_replacement.py', ['--slow=handler', `--start=${m}`], { hangTimeoutMs: HANG_MS });
      assert.deepStrictEqual(deadlocks(r.report), [], JSON.stringify(r.report.findings.map((f) => f.message)));
      assert.strictEqual(r.report.stopped, null);
      assert.strictEqual(r.report.exitCode, 0);
      assert.strictEqual(r.stdout, '55\n');
      const [first, second] = workers(r.session.model.all());
      assert.ok(first && second, 'one worker, replaced once');
      const m_ = r.session.model;
      assert.ok(m_.exitTime(first)! - first.connectedAt! > HANG_MS, 'the parent had waited longer than the hang timeout when the first worker exited');
      assert.ok(second.startTime! - m_.exitTime(first)! >= 300, `the pool had no worker for ${second.startTime! - m_.exitTime(first)!} ms`);
    });
  }

  // bare: a Python child given an environment of its own, without the run's token and
  // PYTHONPATH; the supervisor reads that from /proc (sup_proc agentEnv).
  for (const child of ['sleep', 'isolated', 'bare']) {
    it(`a child that cannot connect (${child}) does not hold the report back`, async () => {
      const script = 'stranger_child.py';
      const r = await run(script, [`--child=${child}`], { hangTimeoutMs: HANG_MS });
      const f = theDeadlock(r);
      const stranger = r.session.model.all().find((p) => p.role === 'subprocess' && !p.python);
      assert.ok(stranger, 'the stranger is a process of the run');
      assert.ok(!f.pids.includes(stranger.pid), 'and not part of the deadlock');
      if (child !== 'sleep') assert.strictEqual(stranger.agentEnv, child === 'isolated', 'what its environment says');
      assert.strictEqual(r.session.model.all().find((p) => p.role === 'main')?.agentEnv, true, 'the script itself');
      assert.strictEqual(pidsAt(f, script, marks(script)['wait-get'], 'waits').length, 1);
      const d = f.details as { detectedAt: number; formedAt: number };
      assert.ok(d.detectedAt - d.formedAt < HANG_MS + 2000, `reported ${d.detectedAt - d.formedAt} ms after it formed`);
    });
  }

  it('a Python child with the run\'s environment that never connects holds the report back for CONNECT_GRACE_MS at most', async () => {
    const script = 'stranger_child.py';
    const r = await run(script, ['--child=unreachable'], { hangTimeoutMs: HANG_MS });
    const f = theDeadlock(r);
    const stranger = r.session.model.all().find((p) => p.role === 'subprocess' && !p.python);
    assert.ok(stranger, 'the stranger is a process of the run');
    assert.ok(!f.pids.includes(stranger.pid));
    assert.strictEqual(stranger.agentEnv, true, 'its environment would let the agent in');
    const waited = (f.details as { detectedAt: number }).detectedAt - stranger.startTime!;
    assert.ok(waited >= CONNECT_GRACE_MS && waited < CONNECT_GRACE_MS + 5000, `reported ${waited} ms after the stranger started`);
  });
});
