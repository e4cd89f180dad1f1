// The example programs that "mpscope: Open Examples" copies: each buggy one shows its bug
// (the hanging ones really hang, the others end by themselves), and each fixed one exits 0
// quickly, under every start method a user can meet.
import * as assert from 'assert';
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { killProcessGroup } from '../processGroup';

const ROOT = path.resolve(__dirname, '../../..');
const EXAMPLES = path.join(ROOT, 'media/examples');
const WRAPPER = path.join(ROOT, 'test/fixtures/integrations/run_with_start_method.py');
const PYTHON = process.env.MPSCOPE_TEST_PYTHON || 'python3';

/** The bug each example shows, and how the buggy version behaves when run plainly. */
const EXAMPLE_KINDS: Record<string, { hangs: boolean; evidence?: RegExp }> = {
  'zombie.py': { hangs: false },
  'orphan.py': { hangs: false, evidence: /parent exits now/ },
  'unjoined_child.py': { hangs: false, evidence: /all workers finished[\s\S]*worker \d finished/ },
  'child_exception.py': { hangs: false, evidence: /ValueError[\s\S]*report written/ },
  'missing_main_guard.py': { hangs: false, evidence: /bootstrapping phase/ },
  'leaked_shared_memory.py': { hangs: false, evidence: /sum of bytes: 120/ },
  'deadlock_lock_order.py': { hangs: true },
  'self_deadlock.py': { hangs: true },
  'queue_join_before_drain.py': { hangs: true },
  'pool_worker_killed.py': { hangs: true },
};

const live = new Set<ChildProcess>();

interface Outcome {
  code: number | null;
  output: string;
  ms: number;
  hung: boolean;
}

/** Runs a script in its own process group; after `limitMs` the whole group is killed. */
function run(script: string, startMethod: string, limitMs: number): Promise<Outcome> {
  const started = Date.now();
  const child = spawn(PYTHON, [WRAPPER, startMethod, script], {
    cwd: path.dirname(script),
    detached: true, // own process group, so children and orphans die with it
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
  });
  live.add(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    void killProcessGroup(child.pid);
  }, limitMs);
  return new Promise((resolve) => {
    child.on('close', async (code) => {
      clearTimeout(timer);
      live.delete(child);
      await killProcessGroup(child.pid); // an orphan may still hold the group
      resolve({ code, output, ms: Date.now() - started, hung });
    });
  });
}

describe('integrations: example programs', function () {
  this.timeout(120000);
  afterEach(async () => {
    await Promise.all([...live].map((c) => killProcessGroup(c.pid)));
    live.clear();
  });

  it('ships one buggy program per bug kind and the fixed version of each', () => {
    const buggy = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.py'));
    for (const name of Object.keys(EXAMPLE_KINDS)) {
      assert.ok(buggy.includes(name), `media/examples/${name} is missing`);
      assert.ok(fs.existsSync(path.join(EXAMPLES, 'fixed', name)), `media/examples/fixed/${name} is missing`);
    }
  });

  const methods = process.platform === 'win32' ? ['spawn'] : ['fork', 'spawn', 'forkserver'];
  for (const method of methods) {
    it(`every fixed example exits 0 quickly (${method})`, async () => {
      const results = await Promise.all(
        Object.keys(EXAMPLE_KINDS).map(async (name) => ({ name, r: await run(path.join(EXAMPLES, 'fixed', name), method, 30000) })),
      );
      for (const { name, r } of results) {
        assert.strictEqual(r.hung, false, `fixed/${name} did not end within 30 s`);
        assert.strictEqual(r.code, 0, `fixed/${name} exited ${r.code}:\n${r.output}`);
        assert.ok(r.ms < 15000, `fixed/${name} took ${r.ms} ms`);
      }
    });
  }

  for (const method of ['fork', 'spawn'].filter((m) => methods.includes(m))) {
    it(`every buggy example shows its bug: hangs where it should, ends by itself otherwise (${method})`, async () => {
      const results = await Promise.all(
        Object.entries(EXAMPLE_KINDS).map(async ([name, kind]) => ({
          name,
          kind,
          // Long enough for the slowest non-hanging one (zombie.py sleeps 8 s).
          r: await run(path.join(EXAMPLES, name), method, kind.hangs ? 6000 : 30000),
        })),
      );
      for (const { name, kind, r } of results) {
        assert.strictEqual(r.hung, kind.hangs, `${name}: expected ${kind.hangs ? 'a hang' : 'an end'}, got ${r.hung ? 'a hang' : `exit ${r.code}`}\n${r.output}`);
        if (kind.evidence) assert.match(r.output, kind.evidence, `${name} did not show its bug`);
      }
    });
  }
});
