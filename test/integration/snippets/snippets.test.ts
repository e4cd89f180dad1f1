// The proof that the snippet library is correct, by mpscope itself: every snippet expands (with
// its defaults) to Python that compiles on the oldest and the current interpreter and that
// `mpscope lint` finds nothing in; every complete program runs under `mpscope run`, under fork
// and under spawn, and exits 0 with no findings (no deadlock, unjoined child, zombie, leaked
// shared memory, lost child exception). Snippets that need a partner run with it.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCatalog, type SnippetEntry } from '../../../src/snippets/catalog';
import {
  CLI,
  ROOT,
  compileAll,
  findPython,
  freePort,
  killAll,
  markedProcesses,
  pool,
  runCli,
  startMethodChoice,
  writeExpansion,
  type RunOutcome,
} from './harness';

const catalog = loadCatalog(path.join(ROOT, 'snippets'));
const METHODS = ['fork', 'spawn'] as const;
const RUN_TIMEOUT_S = 60;
/** Blocked this long counts as hung. A real deadlock blocks forever, so 5 s still catches every
 * one; the default (1 s) reports spawn children that a loaded machine is slow to schedule. */
const HANG_TIMEOUT_S = 5;
const RUN_ARGS = ['run', '--json', '--timeout', String(RUN_TIMEOUT_S), '--hang-timeout', String(HANG_TIMEOUT_S)];
/** Parallel runs: enough to finish in minutes, few enough not to starve the programs' own timeouts. */
const PARALLEL = Math.max(2, Math.min(4, os.cpus().length));
const marker = crypto.randomUUID();
const env = { MPSCOPE_TEST_MARKER: marker, PYTHONDONTWRITEBYTECODE: '1' };

/** One program under one start method. */
interface Job {
  key: string;
  entry: SnippetEntry;
  method: (typeof METHODS)[number];
  file: string;
  args: string[];
}

function describeOutcome(o: RunOutcome | undefined): string {
  if (!o) return 'never ran';
  const findings = o.report?.findings?.map((f) => `${f.severity ?? '?'} ${f.code ?? ''} ${f.message ?? ''}`).join('\n  ');
  return [
    `status ${o.status}${o.timedOut ? ' (killed: over the hard timeout)' : ''}, report exitCode ${o.report?.exitCode}`,
    findings ? `findings:\n  ${findings}` : 'no findings',
    o.report ? '' : `stdout: ${o.stdout.slice(-2000)}`,
    `stderr: ${o.stderr.slice(-2000)}`,
  ].join('\n');
}

/** Exit 0 from the program and from mpscope, and no findings at all. */
function assertClean(o: RunOutcome | undefined, what: string): void {
  assert.ok(o && !o.timedOut && o.report, `${what}: ${describeOutcome(o)}`);
  assert.strictEqual(o.report!.exitCode, 0, `${what}: ${describeOutcome(o)}`);
  assert.deepStrictEqual(o.report!.findings, [], `${what}: ${describeOutcome(o)}`);
  assert.strictEqual(o.status, 0, `${what}: ${describeOutcome(o)}`);
}

function requireCli(command: string): void {
  if (!fs.existsSync(CLI)) {
    const b = spawnSync(process.execPath, ['esbuild.js'], { cwd: ROOT, encoding: 'utf8', timeout: 180000 });
    assert.strictEqual(b.status, 0, `build failed: ${b.stderr}`);
  }
  const help = spawnSync(process.execPath, [CLI, command, '--help'], { encoding: 'utf8', timeout: 30000 });
  assert.strictEqual(help.status, 0, `mpscope ${command} is not available: ${help.stderr}`);
}

describe('snippets: the library proven by mpscope itself', function () {
  let dir: string;
  let defaults: Map<string, string>;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-snippets-'));
    defaults = new Map(catalog.snippets.map((s) => [s.prefix, writeExpansion(dir, s)]));
  });

  after(() => {
    killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('every snippet expands to Python that compiles', () => {
    it('with python3', () => {
      assert.deepStrictEqual(compileAll('python3', [...defaults.values()]), []);
    });

    it('with python3.8, the oldest Python mpscope supports', function () {
      const python38 = findPython('3.8');
      if (!python38) this.skip(); // not installed on this machine
      assert.deepStrictEqual(compileAll(python38!, [...defaults.values()]), []);
    });
  });

  describe('mpscope lint', () => {
    before(function () {
      this.timeout(240000);
      requireCli('lint');
    });

    // auto: this platform's default (fork on Linux); spawn: where a missing main guard or an
    // unpicklable target is an error (Windows, macOS).
    for (const method of ['auto', 'spawn']) {
      it(`finds nothing in any snippet, start method ${method} (fragments with the imports the picker adds)`, function () {
        this.timeout(240000);
        const files = [...defaults.values()];
        const r = spawnSync(process.execPath, [CLI, 'lint', '--json', '--start-method', method, ...files], {
          cwd: dir,
          encoding: 'utf8',
          timeout: 200000,
        });
        const report = JSON.parse(r.stdout) as { files: number; findings: unknown[]; problems: unknown[] };
        assert.deepStrictEqual(report.findings, []);
        assert.deepStrictEqual(report.problems, []);
        assert.strictEqual(report.files, files.length);
        assert.strictEqual(r.status, 0, r.stderr);
      });
    }
  });

  describe('mpscope run: every complete program, under fork and spawn', function () {
    const programs = catalog.snippets.filter((s) => s.form === 'program' && !s.partner);
    const jobs: Job[] = [];
    const outcomes = new Map<string, RunOutcome>();

    before(async function () {
      this.timeout(40 * 60_000);
      requireCli('run');
      for (const entry of programs) {
        const choice = startMethodChoice(entry);
        for (const method of METHODS) {
          // A program that picks its start method itself is expanded with each choice instead
          // of being forced from outside (set_start_method may be called only once).
          const file = choice !== undefined ? writeExpansion(dir, entry, method, { [choice]: method }) : defaults.get(entry.prefix)!;
          const args = [...RUN_ARGS];
          if (!entry.setsStartMethod) args.push('--start-method', method);
          jobs.push({ key: `${entry.prefix} ${method}`, entry, method, file, args: [...args, file] });
        }
      }
      await pool(jobs, PARALLEL, async (job) => {
        outcomes.set(job.key, await runCli(job.args, { cwd: dir, env, hardTimeoutMs: (RUN_TIMEOUT_S + 30) * 1000 }));
      });
    });

    for (const entry of programs) {
      for (const method of METHODS) {
        it(`${entry.prefix} under ${method}`, () => {
          assertClean(outcomes.get(`${entry.prefix} ${method}`), `${entry.prefix} under ${method}`);
        });
      }
    }

    for (const method of METHODS) {
      it(`mp-basemanager-worker-program with its master, under ${method}`, async function () {
        this.timeout(3 * 60_000);
        const master = catalog.snippets.find((s) => s.prefix === 'mp-basemanager-master-program')!;
        const worker = catalog.snippets.find((s) => s.partner === master.prefix)!;
        // A port that is free now, passed to both; the master also starts one local worker.
        const port = await freePort();
        const partnerEnv = { ...env, MANAGER_PORT: String(port), LOCAL_WORKERS: '1', REMOTE_WORKERS: '2' };
        const args = [...RUN_ARGS, '--start-method', method];
        const opts = { cwd: dir, env: partnerEnv, hardTimeoutMs: (RUN_TIMEOUT_S + 30) * 1000 };
        const [m, w1, w2] = await Promise.all([
          runCli([...args, defaults.get(master.prefix)!], opts),
          runCli([...args, defaults.get(worker.prefix)!], opts),
          runCli([...args, defaults.get(worker.prefix)!], opts),
        ]);
        assertClean(m, `master under ${method}`);
        assertClean(w1, `first worker under ${method}`);
        assertClean(w2, `second worker under ${method}`);
        assert.match(m.stdout + m.stderr, /20 results/);
      });
    }

    it('leaves no process behind (no orphan, no zombie outlives its run)', () => {
      const left = markedProcesses(marker);
      assert.deepStrictEqual(left, []);
    });
  });
});
