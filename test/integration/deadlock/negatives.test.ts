// Programs that are slow, contended or waiting with timeouts, but not deadlocked: no deadlock
// finding, not killed, same output as a plain run. A lock-order inversion that did not hang is a
// potential deadlock (a warning), never an active one.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { assertLockOrderInversion, cleanup, deadlocks, FIXTURES, run } from './helpers';

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
