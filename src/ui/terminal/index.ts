// Opt-in: follow Python programs started from the integrated terminal (`python app.py`) as if
// they were run with mpscope. With `mpscope.terminal.injectAgent` on, new terminals get the agent
// on PYTHONPATH and the address of a private channel (vscode.EnvironmentVariableCollection, as
// js-debug does with NODE_OPTIONS for Node); a long-lived listener turns the agents' connections
// into followed programs, whose processes are named in the Processes view. With it off, the
// collection is cleared and nothing is injected.
import * as vscode from 'vscode';
import { launchRegistry } from '../../procs';
import type { MpscopeContext } from '../context';
import {
  ensurePrivateDir,
  isIdentity,
  newIdentity,
  socketPath,
  terminalEnvironment,
  type ChannelIdentity,
} from './address';
import { AgentListener, type AgentConnection, type AgentMessage } from './listener';
import { FollowedPrograms, type FollowedProgram } from './programs';
import { AdoptedHandle } from './adopted';
import { Session } from '../../runner/session';
import { getRunApi } from '../run/api';
import { RunTerminal } from '../run/terminal';

export const INJECT_SETTING = 'mpscope.terminal.injectAgent';
const IDENTITY_KEY = 'mpscope.terminal.channel';

/** What tests see of terminal following (MpscopeApi.integrations.terminal). */
export interface TerminalFollowingState {
  /** The channel's socket path while following is on. */
  readonly socket: string | undefined;
  /** The programs followed so far (notable or not), oldest first. */
  readonly programs: readonly FollowedProgram[];
  /** Fires when a program is followed or changes. */
  readonly onDidChange: vscode.Event<FollowedProgram>;
}

/** A program followed from a terminal, with the runner's session that analyses it. */
interface Followed {
  program: FollowedProgram;
  session: Session;
  /** Shown as the current run (the Processes view's run node, findings in the editor). */
  handle?: AdoptedHandle;
}

class TerminalFollower implements vscode.Disposable {
  readonly programs = new FollowedPrograms();
  private readonly followed = new Map<number, Followed>();
  private readonly changed = new vscode.EventEmitter<FollowedProgram>();
  readonly onDidChange = this.changed.event;
  /** Roots already recorded in the launch registry. */
  private readonly marked = new Set<number>();

  constructor(
    private readonly ctx: MpscopeContext,
    readonly listener: AgentListener,
    readonly identity: ChannelIdentity,
  ) {
    listener.on('connection', (conn) => this.onConnection(conn));
    listener.on('protocolError', (e) => ctx.log.warn(`terminal: protocol: ${e}`));
  }

  private onConnection(conn: AgentConnection): void {
    const hello = conn.hello!;
    const pid = hello.pid;
    const { program, isNew } = this.programs.hello(hello);
    let f = this.followed.get(program.id);
    if (isNew || !f) {
      this.ctx.log.info(`terminal: following ${program.program} (pid ${program.rootPid}, Python ${program.python})`);
      const hangTimeout = vscode.workspace.getConfiguration('mpscope').get<number>('run.hangTimeout', 1);
      const session = new Session({
        script: program.program,
        cwd: program.cwd,
        python: program.executable,
        hangTimeoutMs: Math.round((Number.isFinite(hangTimeout) ? hangTimeout : 1) * 1000),
        // As in the editor's runs: a deadlock's processes stay alive to be looked at.
        onDeadlock: 'keep',
      });
      session.startAdopted({ script: program.program, python: program.executable, startedAt: program.startedAt });
      f = { program, session };
      this.followed.set(program.id, f);
    }
    // The agent cannot tell the program's own process from its children in a terminal (no
    // MPSCOPE_MAIN there); the first process of the program is its main process.
    if (pid === program.rootPid && hello.role === 'subprocess') (hello as { role: string }).role = 'main';
    if (f.session.state !== 'ended') f.session.adopt(conn);
    conn.on('message', (msg: AgentMessage) => {
      const p = this.programs.message(pid, msg);
      if (p) this.publish(p);
    });
    conn.on('close', () => {
      const p = this.programs.closed(pid);
      if (!p) return;
      this.publish(p);
      if (p.ended) this.ended(p);
    });
    this.publish(program);
  }

  private ended(program: FollowedProgram): void {
    this.ctx.log.info(`terminal: ${program.program} (pid ${program.rootPid}) ended`);
    const f = this.followed.get(program.id);
    if (f && f.session.state !== 'ended') void f.session.finishAdopted();
    // Keep the last few ended programs (for the view and tests); forget older ones.
    const ended = this.programs.programs.filter((p) => p.ended);
    for (const old of ended.slice(0, Math.max(0, ended.length - 20))) {
      this.programs.forget(old);
      this.followed.delete(old.id);
    }
  }

  /**
   * Names the program's processes in the Processes view (through the launch registry) and, once
   * it has started a child process, shows it as the current run unless an mpscope run is live.
   */
  private publish(program: FollowedProgram): void {
    if (program.notable) {
      if (!this.marked.has(program.rootPid) && !program.ended) {
        // markLaunched binds the start time on the next snapshot; the shell is the original parent.
        this.marked.add(program.rootPid);
        launchRegistry.markLaunched(program.rootPid, program.rootPpid);
      }
      for (const p of program.processes.values()) {
        if (p.mpName || p.startSite || p.startMethod) {
          launchRegistry.annotate(p.pid, { mpName: p.mpName, startSite: p.startSite, startMethod: p.startMethod });
        }
      }
      this.show(program);
    }
    this.changed.fire(program);
  }

  private show(program: FollowedProgram): void {
    const f = this.followed.get(program.id);
    if (!f || f.handle || f.session.state === 'ended') return;
    const run = getRunApi(this.ctx);
    if (!run) return;
    if (run.controller.active?.live) {
      this.ctx.log.info(`terminal: ${program.program} is not shown as the current run: an mpscope run is live`);
      return;
    }
    const livePids = (): number[] =>
      [...program.processes.values()]
        .filter((p) => p.connected)
        .sort((a, b) => depth(program, b.pid) - depth(program, a.pid))
        .map((p) => p.pid);
    const handle = new AdoptedHandle(this.ctx, f.session, program.executable, livePids);
    f.handle = handle;
    handle.attach();
    const script = program.program;
    void run.controller
      .start(
        { program: script, args: [], cwd: program.cwd, env: {}, python: program.executable },
        new RunTerminal(false),
        handle,
      )
      .catch((err) => this.ctx.log.error(`terminal: cannot show ${script}: ${err instanceof Error ? err.message : err}`));
  }

  dispose(): void {
    this.changed.dispose();
    for (const f of this.followed.values()) f.handle?.detach();
    void this.listener.close();
  }
}

/** How deep a pid sits in its program (0 for the root). */
function depth(program: FollowedProgram, pid: number): number {
  let d = 0;
  for (let p = program.processes.get(pid); p && p.pid !== program.rootPid && d < 1000; p = program.processes.get(p.ppid)) d++;
  return d;
}

let current: TerminalFollower | undefined;
const emptyEvent = new vscode.EventEmitter<FollowedProgram>();

/** The state of terminal following, for MpscopeApi. */
export function terminalFollowingState(): TerminalFollowingState {
  const f = current;
  return {
    socket: f?.listener.listening ? f.listener.path : undefined,
    programs: f ? f.programs.programs : [],
    onDidChange: f ? f.onDidChange : emptyEvent.event,
  };
}

async function startFollower(ctx: MpscopeContext): Promise<TerminalFollower> {
  const dir = ensurePrivateDir();
  const state = ctx.extension.workspaceState;
  const saved = state.get<unknown>(IDENTITY_KEY);
  let identity: ChannelIdentity = isIdentity(saved) ? saved : newIdentity();
  let listener = new AgentListener(socketPath(dir, identity.id), identity.token);
  try {
    await listener.listen();
  } catch (err) {
    // Another window of this workspace holds the saved address: this window gets its own.
    ctx.log.info(`terminal: ${err instanceof Error ? err.message : err}; using a new address`);
    identity = newIdentity();
    listener = new AgentListener(socketPath(dir, identity.id), identity.token);
    await listener.listen();
  }
  await state.update(IDENTITY_KEY, identity);
  return new TerminalFollower(ctx, listener, identity);
}

/** Feature: the setting, the terminals' environment, and the listener. */
export function registerTerminalFollowing(ctx: MpscopeContext): void {
  const collection = ctx.extension.environmentVariableCollection;
  // Persistent: VS Code restores it at once on reload, before mpscope activates; the address and
  // token are kept per workspace, so revived terminals reach the listener once it is back.
  collection.persistent = true;
  collection.description = new vscode.MarkdownString(
    'Lets mpscope follow Python programs started in this terminal (setting `mpscope.terminal.injectAgent`).',
  );
  let warnedWindows = false;
  let applying = Promise.resolve();

  const apply = async (): Promise<void> => {
    const on = vscode.workspace.getConfiguration().get<boolean>(INJECT_SETTING, false);
    if (!on) {
      collection.clear();
      current?.dispose();
      current = undefined;
      return;
    }
    if (process.platform === 'win32') {
      // The agent's channel is a Unix socket, which Python does not offer on Windows.
      collection.clear();
      if (!warnedWindows) {
        warnedWindows = true;
        void vscode.window.showWarningMessage(
          'mpscope: following programs started from the terminal is not available on Windows yet. ' +
            'Run them with "mpscope: Run Python File" instead.',
        );
      }
      return;
    }
    if (!current) current = await startFollower(ctx);
    const mutations = terminalEnvironment({
      bootstrapDir: ctx.asAbsolutePath('src/agent/bootstrap'),
      socket: current.listener.path,
      token: current.identity.token,
      basePythonPath: process.env.PYTHONPATH,
    });
    collection.clear();
    for (const m of mutations) {
      if (m.op === 'prepend') collection.prepend(m.name, m.value);
      else collection.replace(m.name, m.value);
    }
    ctx.log.info(`terminal: new terminals follow Python programs (channel ${current.listener.path})`);
  };

  const queueApply = (): Promise<void> => {
    applying = applying.then(apply).catch((err) => {
      collection.clear();
      ctx.log.error(`terminal: cannot follow terminal programs: ${err instanceof Error ? err.message : err}`);
      void vscode.window.showErrorMessage(
        `mpscope: cannot follow programs started from the terminal: ${err instanceof Error ? err.message : err}`,
      );
    });
    return applying;
  };

  ctx.track(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(INJECT_SETTING)) void queueApply();
    }),
  );
  ctx.track({
    dispose: () => {
      current?.dispose();
      current = undefined;
    },
  });
  void queueApply();
  terminalApplied = () => applying;
}

/** Resolves once the latest setting change has been applied (tests wait on it). */
export let terminalApplied: () => Promise<void> = () => Promise.resolve();
