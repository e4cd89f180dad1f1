// Clean programs: no finding, and the output of a plain run, under every start method.
import * as assert from 'assert';
import { assertAgentClean, cleanupSessions, plainRun, runFixture } from './helpers';

const CLEAN = ['clean/producer_consumer.py', 'clean/pool_map.py', 'clean/manager.py', 'clean/shm_unlink.py', 'clean/spawn_guard.py'];

describe('runner: clean programs', function () {
  this.timeout(60_000);
  afterEach(cleanupSessions);

  for (const script of CLEAN) {
    it(`${script}: no findings, output identical to a plain run`, async () => {
      const plain = plainRun(script);
      const r = await runFixture(script);
      assertAgentClean(r);
      assert.deepStrictEqual(r.report.findings, []);
      assert.strictEqual(r.report.exitCode, 0);
      assert.strictEqual(r.stdout, plain.stdout);
      assert.strictEqual(r.stderr, plain.stderr);
    });
  }

  for (const method of ['spawn', 'forkserver'] as const) {
    for (const script of ['clean/producer_consumer.py', 'clean/pool_map.py', 'clean/shm_unlink.py']) {
      it(`${script} under ${method}: no findings`, async () => {
        const r = await runFixture(script, { startMethod: method });
        assertAgentClean(r);
        assert.deepStrictEqual(r.report.findings, []);
        const starts = r.report.processes.filter((p) => p.startMethod !== null).map((p) => p.startMethod);
        assert.ok(starts.length > 0 && starts.every((m) => m === method), `start methods ${starts}`);
        // The run under the forced method prints what the script printed before.
        assert.strictEqual(r.stdout, plainRun(script).stdout);
      });
    }
  }
});
