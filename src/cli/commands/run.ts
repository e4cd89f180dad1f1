// `mpscope run`: run a Python script under supervision and report its process-lifecycle bugs.
// The contract (other tools depend on it) is in README.md, section "Runner".
import * as fs from 'fs';
import * as path from 'path';
import type { Readable, Writable } from 'stream';
import type { CliCommand, CliIO } from '../command';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from '../usage';
import { LaunchError, Session, type StdioTarget } from '../../runner/session';
import { START_METHODS, type StartMethod } from '../../runner/launch';
import { hasProblems, type RunReport } from '../../runner/report';
import { formatSummary } from '../../runner/summary';
import { toSarif } from '../../runner/sarif';

const USAGE = `Usage: mpscope run [options] script.py [-- script args]

Runs a Python script with mpscope following every process it creates, then reports lifecycle
bugs (unjoined children, zombies, orphans, exceptions in children, leaked shared memory).

Options:
  --json                  print only the report, as one JSON object, on stdout
                          (the script's own output then goes to stderr)
  --report FILE           also write the report (JSON) to FILE
  --sarif FILE            also write the findings as SARIF 2.1.0 to FILE
  --python PATH           the Python interpreter (default: python3, then python)
  --start-method M        force fork, spawn or forkserver in every process
  --timeout SECONDS       stop the whole run after SECONDS and report it
  --hang-timeout SECONDS  how long every process must stay blocked to count as hung (default 1)
  --on-deadlock kill|keep what to do with a deadlocked run (default kill)
  --max-processes N       stop the run when more than N processes are alive (default 256)

Exit status: 0 no finding of severity warning or error, 1 such findings,
2 usage error or launch failure (missing script or interpreter, directory, binary file).
`;

interface RunArgs {
  json: boolean;
  report?: string;
  sarif?: string;
  python?: string;
  startMethod?: StartMethod;
  timeoutMs?: number;
  hangTimeoutMs?: number;
  onDeadlock?: 'kill' | 'keep';
  maxProcesses?: number;
  script: string;
  args: string[];
}

function seconds(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} needs a positive number of seconds, not '${value}'`);
  return Math.round(n * 1000);
}

export function parseRunArgs(argv: string[]): RunArgs {
  const out: Partial<RunArgs> & { json: boolean; args: string[] } = { json: false, args: [] };
  let i = 0;
  const value = (name: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    const v = argv[++i];
    if (v === undefined || (v.startsWith('--') && v.length > 2)) throw new UsageError(`${name} needs a value`);
    return v;
  };
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (out.script !== undefined) {
      if (arg === '--') {
        out.args = argv.slice(i + 1);
        break;
      }
      throw new UsageError(`unexpected argument '${arg}' after the script (script arguments go after --)`);
    }
    if (arg === '--') throw new UsageError('the script comes before -- (mpscope run [options] script.py [-- args])');
    if (!arg.startsWith('-') || arg === '-') {
      out.script = arg;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    switch (name) {
      case '--json':
        out.json = true;
        break;
      case '--report':
        out.report = value(name, inline);
        break;
      case '--sarif':
        out.sarif = value(name, inline);
        break;
      case '--python':
        out.python = value(name, inline);
        break;
      case '--start-method': {
        const m = value(name, inline);
        if (!START_METHODS.includes(m as StartMethod)) {
          throw new UsageError(`--start-method must be fork, spawn or forkserver, not '${m}'`);
        }
        out.startMethod = m as StartMethod;
        break;
      }
      case '--timeout':
        out.timeoutMs = seconds(name, value(name, inline));
        break;
      case '--hang-timeout':
        out.hangTimeoutMs = seconds(name, value(name, inline));
        break;
      case '--on-deadlock': {
        const v = value(name, inline);
        if (v !== 'kill' && v !== 'keep') throw new UsageError(`--on-deadlock must be kill or keep, not '${v}'`);
        out.onDeadlock = v;
        break;
      }
      case '--max-processes': {
        const v = value(name, inline);
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`--max-processes needs a positive integer, not '${v}'`);
        out.maxProcesses = n;
        break;
      }
      default:
        throw new UsageError(`unknown option '${arg}' for mpscope run (see mpscope run --help)`);
    }
  }
  if (out.script === undefined) throw new UsageError('mpscope run needs a script (mpscope run [options] script.py)');
  return out as RunArgs;
}

function checkOutputFile(flag: string, file: string | undefined, cwd: string): string | undefined {
  if (file === undefined) return undefined;
  const p = path.resolve(cwd, file);
  const dir = path.dirname(p);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`${flag}: directory ${dir} does not exist`);
  if (fs.existsSync(p) && fs.statSync(p).isDirectory()) throw new UsageError(`${flag}: ${file} is a directory`);
  return p;
}

/**
 * Copies the script's output (a pipe, when `to` has no file descriptor) to `to`. When `to` goes
 * away (its reader closed, or it was destroyed), the rest is read and dropped: a pipe nobody
 * drains would block the script at its next write and hang the run. Returns the clean-up.
 */
function forward(from: Readable | null, to: Writable): () => void {
  if (!from) return () => {};
  from.pipe(to, { end: false });
  const drop = () => {
    from.unpipe(to);
    from.resume();
  };
  to.once('error', drop);
  to.once('close', drop);
  return () => {
    to.off('error', drop);
    to.off('close', drop);
  };
}

/** A stream the child can write to directly (a real file descriptor), or a pipe we forward. */
function target(stream: NodeJS.WritableStream): StdioTarget {
  const fd = (stream as { fd?: unknown }).fd;
  return typeof fd === 'number' ? fd : 'pipe';
}

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'run a Python script under supervision and report lifecycle bugs',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const a = parseRunArgs(argv);
    const reportFile = checkOutputFile('--report', a.report, io.cwd);
    const sarifFile = checkOutputFile('--sarif', a.sarif, io.cwd);
    // With --json, stdout carries only the report: the script writes to our stderr.
    const out = a.json ? io.stderr : io.stdout;
    const interactive = io.stdout === process.stdout;
    const session = new Session({
      script: a.script,
      args: a.args,
      python: a.python,
      cwd: io.cwd,
      env: io.env,
      startMethod: a.startMethod,
      timeoutMs: a.timeoutMs,
      hangTimeoutMs: a.hangTimeoutMs,
      onDeadlock: a.onDeadlock,
      maxProcesses: a.maxProcesses,
      stdin: interactive ? 'inherit' : 'ignore',
      stdout: target(out),
      stderr: target(io.stderr),
    });
    try {
      await session.start();
    } catch (e) {
      if (e instanceof LaunchError) throw new UsageError(e.message);
      throw e;
    }
    const unforward = [forward(session.stdout, out as Writable), forward(session.stderr, io.stderr as Writable)];
    // Ctrl-C reaches the script through the terminal (same process group); a second one stops
    // the run. SIGTERM/SIGHUP to mpscope stop the run too, leaving nothing behind.
    let interrupts = 0;
    const onInt = () => {
      if (++interrupts >= 2) void session.stop('interrupted');
    };
    const onTerm = () => void session.stop('signal');
    if (interactive) {
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      process.on('SIGHUP', onTerm);
    }
    let report: RunReport;
    try {
      report = await session.wait();
    } finally {
      for (const f of unforward) f();
      if (interactive) {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        process.off('SIGHUP', onTerm);
      }
    }
    if (reportFile) fs.writeFileSync(reportFile, JSON.stringify(report, null, 2) + '\n');
    if (sarifFile) fs.writeFileSync(sarifFile, JSON.stringify(toSarif(report), null, 2) + '\n');
    if (a.json) io.stdout.write(JSON.stringify(report) + '\n');
    else io.stderr.write(formatSummary(report));
    return hasProblems(report) ? EXIT_FINDINGS : EXIT_OK;
  },
};
