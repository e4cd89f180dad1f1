// Programs that are slow, contended or waiting with timeouts, but not deadlocked: no deadlock
// finding, not killed, same output as a plain run. A lock-order inversion that did not hang is a
// potential deadlock (a warning), never an active one.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { assertLockOrderInversion, cleanup, deadlocks, FIXTURES, marks, run } from './helpers';

const NEGATIVES: Array<[string, string[]]> = [
  ['neg_consistent_order.py', []],
  ['neg_consistent_order.py', ['--n=8', '--start=spawn']],
  ['neg_sleep_get.py', []],
  ['neg_timeouts.py', []],
  ['neg_poll_loop.py', []],
  ['neg_slow_producer.py', []],
  ['neg_barrier_ok.py', ['--start=spawn']],
  ['neg_condition_wait_for.py', []],
  ['neg_pool_busy.py', []],
  ['neg_join_slow_child.py', []],
  // A Pool whose initializer fails in its first two workers only: the next ones start.
  ['pool_initializer_fails.py', ['--fail=first']],
  ['pool_initializer_fails.py', ['--fail=first', '--start=spawn']],
];

describe('deadlock: no false positives', function () {
  this.timeout(60_000);
  afterEach(cleanup);

  for (const [script, args] of NEGATIVES) {
    it(`${script} ${args.join(' ')}`.trim(), async () => {
      const r = await run(script, args);
      assert.deepStrictEqual(deadlocks(r.report), [], 'no deadlock finding');
      assert.deepStrictEqual(
        r.report.findings.filter((f) => f.kind === 'potential-deadlock'),
        [],
        'no potential deadlock either',
      );
      assert.strictEqual(r.report.stopped, null, 'not stopped by mpscope');
      assert.strictEqual(r.report.exitCode, 0);
      assert.deepStrictEqual(r.report.agentErrors, []);
      const plain = spawnSync('python3', [path.join(FIXTURES, script), ...args], { cwd: FIXTURES, encoding: 'utf8', timeout: 30_000 });
      assert.strictEqual(r.stdout, plain.stdout);
    });
  }

  it('a Pool whose initializer failed in its first two workers: one child-exception finding for both, in the initializer', async () => {
    const script = 'pool_initializer_fails.py';
    const r = await run(script, ['--fail=first']);
    const m = marks(script);
    const fs_ = r.report.findings.filter((f) => f.kind === 'child-exception');
    assert.strictEqual(fs_.length, 1, JSON.stringify(r.report.findings.map((f) => f.message)));
    const [f] = fs_;
    assert.match(f.message, new RegExp(`^2 workers of the Pool created at ${script.replace('.', '\\.')}:${m.pool} \\(ForkPoolWorker-\\d+ \\(pid \\d+\\) and ForkPoolWorker-\\d+ \\(pid \\d+\\)\\)`));
    assert.match(f.message, new RegExp(`raised the same uncaught ValueError in the Pool's initializer at ${script.replace('.', '\\.')}:${m['init-raise']}`));
    assert.ok(f.locations.some((l) => l.line === m['init-raise'] && l.role === 'exception'), JSON.stringify(f.locations));
    assert.ok(f.locations.some((l) => l.line === m.pool && l.role === 'start'), JSON.stringify(f.locations));
    assert.strictEqual((f.details as { count: number }).count, 2);
    assert.strictEqual(f.pids.length, 3, 'both workers and their parent');
  });

  for (const m of ['fork', 'spawn']) {
    it(`a lock-order inversion that did not hang is a potential deadlock (${m})`, async () => {
      const script = 'potential_lock_order.py';
      const r = await run(script, [`--start=${m}`]);
      const f = assertLockOrderInversion(r, script);
      assert.strictEqual(f.severity, 'warning');
      assert.match(f.message, /this run did not hang/);
    });
  }
});
