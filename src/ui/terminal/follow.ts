// Follows the programs whose agents connect to the terminal listener: groups the connections
// into programs (./programs.ts), gives each program a runner Session in adopted mode (detectors,
// findings and the report as in an mpscope run), and names their processes in the process
// tree through the launch registry. No `vscode` import; src/ui/terminal/index.ts shows the
// programs in VS Code.
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import { launchRegistry, type LaunchRegistry } from '../../procs';
import { removeLeftoversOfGonePids } from '../../runner/channel';
import { Session } from '../../runner/session';
import type { AgentConnection, AgentListener, AgentMessage } from './listener';
import { FollowedPrograms, type FollowedProgram } from './programs';

/** Ended programs kept (for the view and tests) before older ones are forgotten. */
const KEEP_ENDED = 20;

export interface ProgramFollowerOptions {
  /** `--hang-timeout` of the sessions, read when a program starts. */
  hangTimeoutMs?: () => number;
  registry?: LaunchRegistry;
  log?: (line: string) => void;
}

export interface ProgramFollowerEvents {
  /** A program started, changed, or ended. */
  change: [FollowedProgram];
  /** A program's last process is gone; its session is finishing (session.wait() gives the report). */
  ended: [FollowedProgram, Session];
}

export class ProgramFollower extends EventEmitter<ProgramFollowerEvents> {
  readonly programs = new FollowedPrograms();
  private readonly sessions = new Map<number, Session>();
  /** Each program's run directory: links to its processes' agent state files (see linkState). */
  private readonly dirs = new Map<number, string>();
  /** Roots already recorded in the launch registry. */
  private readonly marked = new Set<number>();
  private readonly registry: LaunchRegistry;
  private readonly log: (line: string) => void;

  constructor(
    readonly listener: AgentListener,
    private readonly options: ProgramFollowerOptions = {},
  ) {
    super();
    this.registry = options.registry ?? launchRegistry;
    this.log = options.log ?? (() => undefined);
    listener.on('connection', (conn) => this.onConnection(conn));
    listener.on('protocolError', (e) => this.log(`protocol: ${e}`));
    this.sweepStale();
  }

  /** Removes state files and program folders whose processes are gone (left by a crashed window). */
  private sweepStale(): void {
    removeLeftoversOfGonePids(this.stateRoot, [/^sync-(\d+)\.(state|log)$/, /^program-(\d+)-\d+$/]);
  }

  /** The runner session analysing a program. */
  sessionOf(program: FollowedProgram): Session | undefined {
    return this.sessions.get(program.id);
  }

  private onConnection(conn: AgentConnection): void {
    const hello = conn.hello!;
    const pid = hello.pid;
    const { program } = this.programs.hello(hello);
    let session = this.sessions.get(program.id);
    if (!session) {
      this.log(`following ${program.program} (pid ${program.rootPid}, Python ${program.python})`);
      const dir = this.programDir(program);
      session = new Session({
        script: program.program,
        cwd: program.cwd,
        python: program.executable,
        hangTimeoutMs: this.options.hangTimeoutMs?.() ?? 1000,
        // As in the editor's runs: a deadlock's processes stay alive to be looked at.
        onDeadlock: 'keep',
      });
      session.startAdopted({ script: program.program, python: program.executable, startedAt: program.startedAt, runDir: dir });
      this.sessions.set(program.id, session);
    }
    // The agent cannot tell the program's own process from its children in a terminal (no
    // MPSCOPE_MAIN there): the first process of the program is its main process.
    if (pid === program.rootPid && hello.role === 'subprocess') (hello as { role: string }).role = 'main';
    this.linkState(program, pid);
    if (session.state !== 'ended') session.adopt(conn);
    conn.on('message', (msg: AgentMessage) => {
      const p = this.programs.message(pid, msg);
      if (p) this.publish(p);
    });
    conn.on('close', () => {
      const p = this.programs.closed(pid);
      if (!p) return;
      this.publish(p);
      if (p.ended) this.end(p);
    });
    this.publish(program);
  }

  private end(program: FollowedProgram): void {
    this.log(`${program.program} (pid ${program.rootPid}) ended`);
    const session = this.sessions.get(program.id);
    if (session) {
      if (session.state !== 'ended') void session.finishAdopted();
      this.emit('ended', program, session);
      // The detectors read the state files until the report is built; then they can go.
      void session.wait().then(() => this.removeState(program));
    }
    const ended = this.programs.programs.filter((p) => p.ended);
    for (const old of ended.slice(0, Math.max(0, ended.length - KEEP_ENDED))) {
      this.programs.forget(old);
      this.sessions.delete(old.id);
    }
  }

  /** Names a program's processes in the process tree once it has started a child. */
  private publish(program: FollowedProgram): void {
    if (program.notable) {
      if (!this.marked.has(program.rootPid) && !program.ended) {
        // Binds to the process's start time on the next snapshot; the shell is its original parent.
        this.marked.add(program.rootPid);
        this.registry.markLaunched(program.rootPid, program.rootPpid);
      }
      for (const p of program.processes.values()) {
        if (p.mpName || p.startSite || p.startMethod) {
          this.registry.annotate(p.pid, { mpName: p.mpName, startSite: p.startSite, startMethod: p.startMethod });
        }
      }
    }
    this.emit('change', program);
  }

  /** The pids of a program whose agents are still connected, deepest first (children before parents). */
  livePids(program: FollowedProgram): number[] {
    const depth = (pid: number): number => {
      let d = 0;
      for (let p = program.processes.get(pid); p && p.pid !== program.rootPid && d < 1000; p = program.processes.get(p.ppid)) d++;
      return d;
    };
    return [...program.processes.values()]
      .filter((p) => p.connected)
      .sort((a, b) => depth(b.pid) - depth(a.pid))
      .map((p) => p.pid);
  }

  /**
   * The agents of all terminal programs write their deadlock state files (sync-<pid>.state and
   * .log) into one place, the listener's folder. The runner's deadlock detector reads every file
   * of its session's run directory, so each program gets a directory of its own with links to
   * the files of its own processes (made as they connect; the files may come a moment later).
   */
  private programDir(program: FollowedProgram): string | undefined {
    const dir = path.join(this.stateRoot, `program-${program.rootPid}-${program.id}`);
    try {
      fs.mkdirSync(dir, { mode: 0o700 });
      this.dirs.set(program.id, dir);
      return dir;
    } catch (err) {
      this.log(`no state folder for ${program.program}: ${(err as Error).message}; deadlocks will not be detected`);
      return undefined;
    }
  }

  private get stateRoot(): string {
    return path.dirname(this.listener.path);
  }

  private linkState(program: FollowedProgram, pid: number): void {
    const dir = this.dirs.get(program.id);
    if (!dir) return;
    for (const ext of ['state', 'log']) {
      try {
        fs.symlinkSync(path.join(this.stateRoot, `sync-${pid}.${ext}`), path.join(dir, `sync-${pid}.${ext}`));
      } catch {
        // already linked (a pid seen twice)
      }
    }
  }

  private removeState(program: FollowedProgram): void {
    const dir = this.dirs.get(program.id);
    this.dirs.delete(program.id);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    for (const pid of program.processes.keys()) {
      for (const ext of ['state', 'log']) fs.rmSync(path.join(this.stateRoot, `sync-${pid}.${ext}`), { force: true });
    }
  }

  async close(): Promise<void> {
    await this.listener.close();
    for (const program of this.programs.programs) if (this.dirs.has(program.id)) this.removeState(program);
  }
}
