// Follows the programs whose agents connect to the terminal listener: groups the connections
// into programs (./programs.ts), gives each program a runner Session in adopted mode (detectors,
// findings and the report as in an mpscope run), and names their processes in the process
// tree through the launch registry. No `vscode` import; src/ui/terminal/index.ts shows the
// programs in VS Code.
import { EventEmitter } from 'events';
import { launchRegistry, type LaunchRegistry } from '../../procs';
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
      session = new Session({
        script: program.program,
        cwd: program.cwd,
        python: program.executable,
        hangTimeoutMs: this.options.hangTimeoutMs?.() ?? 1000,
        // As in the editor's runs: a deadlock's processes stay alive to be looked at.
        onDeadlock: 'keep',
      });
      session.startAdopted({ script: program.program, python: program.executable, startedAt: program.startedAt });
      this.sessions.set(program.id, session);
    }
    // The agent cannot tell the program's own process from its children in a terminal (no
    // MPSCOPE_MAIN there): the first process of the program is its main process.
    if (pid === program.rootPid && hello.role === 'subprocess') (hello as { role: string }).role = 'main';
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

  async close(): Promise<void> {
    await this.listener.close();
  }
}
