// A sample of CPython's own multiprocessing test suite under the agent: the same results as
// without it, and no agent problem.
import * as assert from 'assert';
import { assertAgentClean, cleanupSessions, runFixture } from './helpers';

const SAMPLES: Array<[string, string[]]> = [
  ['fork', ['WithProcessesTestQueue', 'WithProcessesTestLock', 'WithProcessesTestEvent', 'WithProcessesTestConnection', 'WithProcessesTestProcess']],
  ['spawn', ['WithProcessesTestQueue', 'WithProcessesTestSharedMemory']],
];

describe('runner: CPython multiprocessing tests under the agent', function () {
  this.timeout(120_000);
  afterEach(cleanupSessions);

  for (const [method, patterns] of SAMPLES) {
    it(`${method}: ${patterns.join(', ')}`, async () => {
      const r = await runFixture('stdlib_mp_tests.py', { args: [method, ...patterns] });
      assertAgentClean(r);
      const summary = r.stderr.trim().split('\n').slice(-1)[0];
      assert.match(summary, /^OK/, r.stderr.slice(-3000));
      assert.match(r.stderr, /Ran \d+ tests/);
      assert.strictEqual(r.report.exitCode, 0);
      assert.doesNotMatch(r.stderr, /Warning -- |dangling/);
    });
  }
});
