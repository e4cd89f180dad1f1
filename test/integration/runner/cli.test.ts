// The `mpscope run` contract, through the real command line (a Node process per run).
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FIXTURES, REPO, plainRun } from './helpers';
import { assertValidSarif } from '../../unit/lint/sarif-valid';

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

const children = new Set<number>();

function mpscope(args: string[], timeoutMs = 30_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(REPO, 'src/cli/main.ts'), 'run', ...args], {
      cwd: FIXTURES,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child.pid!);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`mpscope run ${args.join(' ')} did not finish`));
    }, timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      children.delete(child.pid!);
      resolve({ status, stdout, stderr });
    });
  });
}

describe('cli: mpscope run', function () {
  this.timeout(60_000);
  let tmp: string;
  before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-cli-'))));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  afterEach(() => {
    // SIGTERM makes mpscope stop its run; nothing may be left.
    for (const pid of children) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // gone
      }
    }
  });

  it('passes the output through unchanged, then a summary on stderr; exit 0 without findings', async () => {
    const plain = plainRun('clean/pool_map.py');
    const r = await mpscope(['clean/pool_map.py']);
    assert.strictEqual(r.status, 0);
    assert.strictEqual(r.stdout, plain.stdout);
    assert.match(r.stderr, /mpscope: pool_map\.py exited with code 0 after .*\nmpscope: no findings\n$/);
  });

  it('--json: only the report on stdout, with the contract shape and absolute paths; exit 1 on findings', async () => {
    const r = await mpscope(['--json', 'child_exception.py']);
    assert.strictEqual(r.status, 1);
    const lines = r.stdout.trim().split('\n');
    assert.strictEqual(lines.length, 1);
    const report = JSON.parse(lines[0]);
    assert.strictEqual(report.version, 1);
    assert.strictEqual(report.script, path.join(FIXTURES, 'child_exception.py'));
    assert.strictEqual(report.exitCode, 0);
    assert.strictEqual(report.signal, null);
    assert.strictEqual(typeof report.durationMs, 'number');
    for (const p of report.processes) {
      for (const key of ['pid', 'ppid', 'name', 'startSite', 'startTime', 'endTime', 'exitCode', 'daemon', 'joined']) {
        assert.ok(key in p, `process.${key}`);
      }
    }
    const [f] = report.findings;
    assert.deepStrictEqual(Object.keys(f).slice(0, 5), ['kind', 'severity', 'message', 'pids', 'locations']);
    for (const l of f.locations) {
      assert.deepStrictEqual(Object.keys(l).slice(0, 4), ['file', 'line', 'pid', 'role']);
      assert.ok(path.isAbsolute(l.file));
    }
    // The script's own output went to stderr.
    assert.match(r.stderr, /parent exit code 0, child 1/);
    assert.match(r.stderr, /ZeroDivisionError/);
  });

  it('--report and --sarif write their files', async () => {
    const report = path.join(tmp, 'r.json');
    const sarif = path.join(tmp, 's.sarif');
    const r = await mpscope(['--report', report, '--sarif', sarif, 'leaked_shm.py']);
    assert.strictEqual(r.status, 1);
    assert.strictEqual(JSON.parse(fs.readFileSync(report, 'utf8')).findings[0].kind, 'leaked-shm');
    const s = JSON.parse(fs.readFileSync(sarif, 'utf8'));
    assertValidSarif(s);
    assert.strictEqual(s.version, '2.1.0');
    assert.strictEqual(s.runs[0].results[0].ruleId, 'leaked-shm');
  });

  it('--start-method and --timeout', async () => {
    const r = await mpscope(['--json', '--start-method', 'spawn', '--timeout', '1', 'sleeper.py']);
    assert.strictEqual(r.status, 1);
    const report = JSON.parse(r.stdout);
    assert.strictEqual(report.stopped.reason, 'timeout');
    assert.ok(report.findings.some((f: { kind: string }) => f.kind === 'timeout'));
    assert.ok(report.processes.filter((p: { startMethod: string }) => p.startMethod === 'spawn').length >= 2);
  });

  it('a syntax error: the script runs and fails; its exit code and line are reported (exit 1)', async () => {
    const r = await mpscope(['--json', 'syntax_error.py']);
    assert.strictEqual(r.status, 1);
    const report = JSON.parse(r.stdout);
    assert.strictEqual(report.exitCode, 1);
    assert.strictEqual(report.findings[0].kind, 'script-failed');
    assert.strictEqual(report.findings[0].locations[0].line, 2);
  });

  const oneLine = (r: CliResult, re: RegExp) => {
    assert.strictEqual(r.status, 2);
    assert.strictEqual(r.stdout, '');
    assert.strictEqual(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
    assert.match(r.stderr, re);
  };
  it('launch failures and usage errors: exit 2 with one clear line', async () => {
    oneLine(await mpscope(['nope.py']), /^mpscope: script not found: nope\.py$/m);
    oneLine(await mpscope(['clean']), /^mpscope: clean is a directory, not a Python script$/m);
    oneLine(await mpscope([process.execPath]), /is a binary file/);
    oneLine(await mpscope(['--python', '/no/python', 'clean/pool_map.py']), /^mpscope: Python interpreter not found: \/no\/python$/m);
    oneLine(await mpscope(['--start-method', 'threads', 'x.py']), /--start-method must be fork, spawn or forkserver/);
    oneLine(await mpscope([]), /needs a script/);
  });
});
