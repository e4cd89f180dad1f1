// Groups the processes that connect from terminals into programs: a process whose parent is a
// process of a followed program belongs to that program; any other process starts a new one
// (`python app.py` typed in a terminal, with the shell as its parent). No `vscode` import.
import * as path from 'path';
import type { AgentMessage, Hello } from './listener';

export interface Location {
  file: string;
  line: number;
}

export interface FollowedProcess {
  pid: number;
  ppid: number;
  role: string;
  helper?: string;
  /** multiprocessing's name (`Process-1`), from the child itself or from its parent's start(). */
  mpName?: string;
  startSite?: Location;
  startMethod?: 'fork' | 'spawn' | 'forkserver';
  connected: boolean;
  exitCode?: number | null;
}

export interface FollowedProgram {
  readonly id: number;
  readonly rootPid: number;
  /** The shell (or whatever started the program). */
  readonly rootPpid: number;
  /** Absolute path of the script, or the command (`-m module`, `-c`) when there is none. */
  readonly program: string;
  readonly cwd: string;
  readonly python: string;
  readonly executable: string;
  readonly startedAt: number;
  readonly processes: Map<number, FollowedProcess>;
  /** Started at least one child process: worth showing (a plain `python -c` is not). */
  notable: boolean;
  ended: boolean;
}

const START_METHODS = new Set(['fork', 'spawn', 'forkserver']);

function location(v: unknown): Location | undefined {
  const o = v as Location;
  return o && typeof o.file === 'string' && Number.isInteger(o.line) ? { file: o.file, line: o.line } : undefined;
}

/** What a command line runs: the script's absolute path, `-m module`, or `-c`. */
export function programOf(argv: string[], cwd: string): string {
  const withValue = new Set(['-W', '-X', '-Q', '--check-hash-based-pycs']);
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-m') return i + 1 < argv.length ? `-m ${argv[i + 1]}` : '-m';
    if (a.startsWith('-m') && !a.startsWith('--')) return `-m ${a.slice(2)}`;
    if (a === '-c' || (a.startsWith('-c') && !a.startsWith('--'))) return '-c';
    if (withValue.has(a)) {
      i++;
      continue;
    }
    if (a === '-') return '-';
    if (!a.startsWith('-')) return path.resolve(cwd || '/', a);
  }
  return argv[0] ?? 'python';
}

export class FollowedPrograms {
  private readonly byPid = new Map<number, FollowedProgram>();
  private readonly all: FollowedProgram[] = [];
  private nextId = 1;

  /** Programs, oldest first (ended ones included until forget()). */
  get programs(): readonly FollowedProgram[] {
    return this.all;
  }

  programOfPid(pid: number): FollowedProgram | undefined {
    return this.byPid.get(pid);
  }

  /** A process connected. Returns its program, and whether the program is new. */
  hello(h: Hello): { program: FollowedProgram; isNew: boolean } {
    let program = this.byPid.get(h.ppid);
    // A pid seen before belongs to an ended process (pids are reused): start over for it.
    const stale = this.byPid.get(h.pid);
    if (stale && stale !== program) this.byPid.delete(h.pid);
    let isNew = false;
    if (!program || program.ended) {
      program = {
        id: this.nextId++,
        rootPid: h.pid,
        rootPpid: h.ppid,
        program: programOf(h.argv.map(String), h.cwd),
        cwd: h.cwd,
        python: h.python,
        executable: h.executable,
        startedAt: typeof h.ts === 'number' ? h.ts : Date.now(),
        processes: new Map(),
        notable: false,
        ended: false,
      };
      this.all.push(program);
      isNew = true;
    }
    const known = program.processes.get(h.pid);
    program.processes.set(h.pid, {
      ...known,
      pid: h.pid,
      ppid: h.ppid,
      role: h.role,
      helper: h.helper ?? known?.helper ?? undefined,
      mpName: h.mpName ?? known?.mpName ?? undefined,
      connected: true,
    });
    if (h.pid !== program.rootPid && !h.helper) program.notable = true;
    this.byPid.set(h.pid, program);
    return { program, isNew };
  }

  /** A message from a connected process. Returns its program (undefined for an unknown pid). */
  message(pid: number, m: AgentMessage): FollowedProgram | undefined {
    const program = this.byPid.get(pid);
    if (!program) return undefined;
    const self = program.processes.get(pid);
    switch (m.t) {
      case 'role':
        if (self) {
          self.role = String(m.role ?? self.role);
          if (typeof m.helper === 'string') self.helper = m.helper;
          if (typeof m.mpName === 'string') self.mpName = m.mpName;
        }
        break;
      case 'process_start':
      case 'fork':
      case 'popen': {
        const child = Number(m.child);
        if (!Number.isInteger(child) || child <= 0) break;
        const c = program.processes.get(child) ?? { pid: child, ppid: m.t === 'process_start' ? m.by : pid, role: 'child', connected: false };
        const site = location(m.site);
        if (site) c.startSite = site;
        if (m.t === 'process_start') {
          if (typeof m.name === 'string') c.mpName = m.name;
          if (typeof m.startMethod === 'string' && START_METHODS.has(m.startMethod)) {
            c.startMethod = m.startMethod as FollowedProcess['startMethod'];
          }
        }
        program.processes.set(child, c);
        // The child's own hello may come first or later; either way it is this program's.
        this.byPid.set(child, program);
        program.notable = true;
        break;
      }
      case 'reaped':
      case 'join': {
        const c = program.processes.get(Number(m.child));
        if (c && typeof m.exitcode === 'number') c.exitCode = m.exitcode;
        break;
      }
      case 'exit':
        if (self && typeof m.code === 'number') self.exitCode = m.code;
        break;
    }
    return program;
  }

  /** A process's connection closed (it exited, or its agent stopped). */
  closed(pid: number): FollowedProgram | undefined {
    const program = this.byPid.get(pid);
    if (!program) return undefined;
    const p = program.processes.get(pid);
    if (p) p.connected = false;
    if (![...program.processes.values()].some((x) => x.connected)) program.ended = true;
    return program;
  }

  /** Drops an ended program and its pids. */
  forget(program: FollowedProgram): void {
    const i = this.all.indexOf(program);
    if (i >= 0) this.all.splice(i, 1);
    for (const [pid, p] of this.byPid) if (p === program) this.byPid.delete(pid);
  }
}
