// The agent's channel under a runner request that interrupts the agent's own write: the wake
// signal's handler runs in the thread it interrupted, and must not wait for the lock that thread
// holds (it did, for its whole flush timeout, and the runner gave up on the reply).
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { FIXTURES, REPO } from './helpers';

describe('agent: channel writes interrupted by a runner request', () => {
  it("sends the handler's reply without waiting for the write it interrupted", () => {
    const flushTimeout = 20;
    const r = spawnSync('python3', [path.join(FIXTURES, 'channel_reentry.py'), String(flushTimeout)], {
      cwd: path.join(REPO, 'src/agent'),
      env: { ...process.env, PYTHONPATH: path.join(REPO, 'src/agent') },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.strictEqual(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { flushSeconds: number[]; lines: string[] };
    assert.deepStrictEqual(out.lines, ['{"t":"hello"}', '{"t":"wait"}', '{"t":"reply"}']);
    assert.strictEqual(out.flushSeconds.length, 1);
    // Waiting on itself, the flush took its whole timeout; not waiting, it returns at once.
    assert.ok(out.flushSeconds[0] < flushTimeout / 2, `the handler's flush took ${out.flushSeconds[0]} s`);
  });
});
