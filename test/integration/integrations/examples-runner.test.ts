// The example programs under the runner (what "Run Python File" does with them): each buggy one
// produces the finding it is there to show, each fixed one none. The walkthrough and the
// README promise exactly this.
import * as assert from 'assert';
import * as path from 'path';
import { Session } from '../../../src/runner/session';
import type { RunReport } from '../../../src/runner/report';

const EXAMPLES = path.resolve(__dirname, '../../../media/examples');

/** The finding kind each buggy example must produce. */
const EXPECTED: Record<string, string> = {
  'zombie.py': 'zombie',
  'orphan.py': 'orphan',
  'unjoined_child.py': 'unjoined',
  'child_exception.py': 'child-exception',
  'missing_main_guard.py': 'child-exception',
  'leaked_shared_memory.py': 'leaked-shm',
  'deadlock_lock_order.py': 'deadlock',
  'self_deadlock.py': 'deadlock',
  'queue_join_before_drain.py': 'deadlock',
  'pool_worker_killed.py': 'deadlock',
};

async function runUnderMpscope(file: string): Promise<RunReport> {
  const session = new Session({
    script: file,
    cwd: path.dirname(file),
    stdout: 'ignore',
    stderr: 'ignore',
    stdin: 'ignore',
    timeoutMs: 30000,
    detached: true,
  });
  await session.start();
  return session.wait();
}

/** Runs `f` over `items`, `n` at a time (the hang detector must not starve on a 2-core machine). */
async function inBatches<T, R>(items: T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += n) out.push(...(await Promise.all(items.slice(i, i + n).map(f))));
  return out;
}

describe('integrations: example programs under the runner', function () {
  this.timeout(240000);

  it('each buggy example produces the finding it shows', async () => {
    const names = Object.keys(EXPECTED);
    const reports = await inBatches(names, 3, (n) => runUnderMpscope(path.join(EXAMPLES, n)));
    const missing: string[] = [];
    names.forEach((n, i) => {
      const kinds = reports[i].findings.map((f) => f.kind);
      if (!kinds.includes(EXPECTED[n])) missing.push(`${n}: expected ${EXPECTED[n]}, got ${JSON.stringify(kinds)}`);
    });
    assert.deepStrictEqual(missing, []);
  });

  it('each fixed example (and pool_map.py) runs clean: exit 0, no findings', async () => {
    const files = [...Object.keys(EXPECTED).map((n) => path.join(EXAMPLES, 'fixed', n)), path.join(EXAMPLES, 'pool_map.py')];
    const reports = await inBatches(files, 3, runUnderMpscope);
    const dirty: string[] = [];
    files.forEach((f, i) => {
      const r = reports[i];
      if (r.exitCode !== 0 || r.findings.length > 0) {
        dirty.push(`${path.relative(EXAMPLES, f)}: exit ${r.exitCode}, ${JSON.stringify(r.findings.map((x) => `${x.kind}: ${x.message}`))}`);
      }
    });
    assert.deepStrictEqual(dirty, []);
  });
});
