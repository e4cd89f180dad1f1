// Helpers for the snippet proof: expand every snippet to a file, find interpreters, run
// programs under `mpscope run` (bounded, in their own process groups, all killed on the way out),
// and find any process a run left behind.
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { expandedSource, type SnippetEntry } from '../../../src/snippets/catalog';
import { tabStops } from '../../../src/snippets/syntax';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

/** A file name for a snippet's expansion; `variant` tells start-method expansions apart. */
export function fileFor(dir: string, entry: SnippetEntry, variant?: string): string {
  return path.join(dir, `${entry.prefix.replace(/-/g, '_')}${variant ? `__${variant}` : ''}.py`);
}

/** The tab stop of a choice between start methods (spawn, fork...), if the snippet has one. */
export function startMethodChoice(entry: SnippetEntry): number | undefined {
  return tabStops(entry.body).find((t) => t.options?.includes('spawn') && t.options.includes('fork'))?.index;
}

export function writeExpansion(dir: string, entry: SnippetEntry, variant?: string, values?: Record<number, string>): string {
  const file = fileFor(dir, entry, variant);
  fs.writeFileSync(file, expandedSource(entry, values));
  return file;
}

/** An interpreter of the given version: on PATH, else from pyenv's versions folder. */
export function findPython(version: string): string | undefined {
  const names = [`python${version}`];
  const pyenvRoot = process.env.PYENV_ROOT ?? path.join(os.homedir(), '.pyenv');
  const versions = path.join(pyenvRoot, 'versions');
  if (fs.existsSync(versions)) {
    for (const v of fs.readdirSync(versions).filter((d) => d === version || d.startsWith(`${version}.`)).sort().reverse()) {
      names.push(path.join(versions, v, 'bin', `python${version}`));
    }
  }
  for (const exe of names) {
    const r = spawnSync(exe, ['-c', 'import sys; print(sys.version_info[:2])'], { encoding: 'utf8', timeout: 20000 });
    if (r.status === 0 && r.stdout.includes(version.replace('.', ', '))) return exe;
  }
  return undefined;
}

/** Compiles every file with one interpreter process; returns "file: error" for each failure. */
export function compileAll(python: string, files: string[]): string[] {
  const script = [
    'import json, py_compile, sys',
    'errors = []',
    'for f in sys.argv[1:]:',
    '    try:',
    '        py_compile.compile(f, cfile=f + ".pyc-check", doraise=True)',
    '    except py_compile.PyCompileError as e:',
    '        errors.append(f"{f}: {e.msg}")',
    'print(json.dumps(errors))',
  ].join('\n');
  const r = spawnSync(python, ['-c', script, ...files], { encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0) return [`${python} failed: ${r.stderr || r.error}`];
  for (const f of files) fs.rmSync(`${f}.pyc-check`, { force: true });
  return JSON.parse(r.stdout) as string[];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RunOutcome {
  /** The exit status of the mpscope process. */
  status: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The parsed --json report, if stdout held one. */
  report?: { version: number; exitCode: number | null; findings: { severity?: string; code?: string; message?: string }[] };
}

/** Every process started here, so a failing test still leaves nothing behind. */
const running = new Set<ChildProcess>();

export function killAll(): void {
  for (const child of running) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}

/** Runs `node dist/cli.js <args>` in its own process group; kills the group after hardTimeoutMs. */
export function runCli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; hardTimeoutMs: number }): Promise<RunOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      detached: true, // its own process group: the kill below reaches every process it started
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, opts.hardTimeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      running.delete(child);
      let report: RunOutcome['report'];
      try {
        report = JSON.parse(stdout.trim());
      } catch {
        report = undefined;
      }
      resolve({ status, stdout, stderr, timedOut, report });
    });
  });
}

/** Runs the jobs with at most `limit` at a time. */
export async function pool<T, R>(items: T[], limit: number, job: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await job(items[i]);
    }
  });
  await Promise.all(workers);
  return results;
}

/** Live processes (zombies included) whose environment holds MPSCOPE_TEST_MARKER=<marker>. */
export function markedProcesses(marker: string): { pid: number; state: string; cmd: string }[] {
  const found: { pid: number; state: string; cmd: string }[] = [];
  if (process.platform !== 'linux') return found;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = fs.readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0');
      if (!env.includes(`MPSCOPE_TEST_MARKER=${marker}`)) continue;
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'latin1');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0').join(' ').trim();
      found.push({ pid: Number(entry), state, cmd });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}
