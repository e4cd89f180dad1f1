// The quick fixes keep behaviour: the original and the fixed program run with python3 print the
// same lines; where the original is broken (hangs, or fails to pickle), the fixed one works.
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FIX_CASES } from '../../unit/lint/fix-cases';
import { applyFix, findingsOf } from '../../unit/lint/helpers';
import { killProcessGroup } from '../processGroup';

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

const live = new Set<number>();

/** Runs a script in its own process group; the whole group is killed on timeout. */
function runPython(file: string, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn('python3', [file], {
      cwd: path.dirname(file),
      detached: true,
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid) live.add(child.pid);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      void killProcessGroup(child.pid);
    }, timeoutMs);
    child.on('close', async (code) => {
      clearTimeout(timer);
      await killProcessGroup(child.pid); // children the program left behind
      if (child.pid) live.delete(child.pid);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

const sortedLines = (s: string) => s.split('\n').filter((l) => l).sort();

describe('lint quick fixes keep behaviour (python3)', function () {
  this.timeout(60000);
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-lint-fix-'));
  });
  after(async () => {
    await Promise.all([...live].map((pid) => killProcessGroup(pid)));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  FIX_CASES.filter((c) => c.run).forEach((c, i) => {
    it(c.name, async () => {
      const [finding] = await findingsOf(c.code, c.src);
      const fixed = applyFix(c.src, finding.fixes![0]);
      const a = path.join(dir, `case${i}_original.py`);
      const b = path.join(dir, `case${i}_fixed.py`);
      fs.writeFileSync(a, c.src);
      fs.writeFileSync(b, fixed);
      const [orig, after] = await Promise.all([runPython(a, 8000), runPython(b, 20000)]);
      assert.strictEqual(after.timedOut, false, `the fixed program hung: ${after.stderr}`);
      assert.strictEqual(after.code, 0, `the fixed program failed: ${after.stderr}`);
      if (c.expectOutput !== undefined) {
        assert.strictEqual(after.stdout, c.expectOutput);
        // The original really was broken in the way the rule says.
        assert.ok(orig.timedOut || orig.code !== 0, `the original worked: ${orig.stdout}`);
      } else {
        assert.strictEqual(orig.code, 0, `the original failed: ${orig.stderr}`);
        assert.deepStrictEqual(sortedLines(after.stdout), sortedLines(orig.stdout));
      }
    });
  });
});
