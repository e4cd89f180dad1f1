// Opt-in: follow Python programs started from the integrated terminal (`python app.py`) as if
// they were run with mpscope. With `mpscope.terminal.injectAgent` on, new terminals get the agent
// on PYTHONPATH and the address of a private channel (vscode.EnvironmentVariableCollection, as
// js-debug does with NODE_OPTIONS for Node); a long-lived listener turns the agents' connections
// into followed programs, whose processes are named in the Processes view. With it off, the
// collection is cleared and nothing is injected.
import * as vscode from 'vscode';
import type { MpscopeContext } from '../context';
import {
  ensurePrivateDir,
  isIdentity,
  newIdentity,
  socketPath,
  terminalEnvironment,
  type ChannelIdentity,
} from './address';
import { AgentListener } from './listener';
import type { FollowedProgram } from './programs';
import { AdoptedHandle } from './adopted';
import { ProgramFollower } from './follow';
import { getRunApi } from '../run/api';
import { RunTerminal } from '../run/terminal';
import { findAgent } from '../../runner/agentPaths';

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

/** Shows the programs a ProgramFollower follows in VS Code. */
class TerminalFollower implements vscode.Disposable {
  readonly follower: ProgramFollower;
  /** Programs shown as the current run (the Processes view's run node, findings in the editor). */
  private readonly shown = new Map<number, AdoptedHandle>();
  /** Programs not shown because an mpscope run was live (said once in the log). */
  private readonly passed = new Set<number>();
  private readonly changed = new vscode.EventEmitter<FollowedProgram>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly ctx: MpscopeContext,
    readonly listener: AgentListener,
    readonly identity: ChannelIdentity,
  ) {
    this.follower = new ProgramFollower(listener, {
      hangTimeoutMs: () => {
        const s = vscode.workspace.getConfiguration('mpscope').get<number>('run.hangTimeout', 1);
        return Math.round((Number.isFinite(s) ? s : 1) * 1000);
      },
      log: (line) => ctx.log.info(`terminal: ${line}`),
    });
    this.follower.on('change', (program) => {
      if (program.notable) this.show(program);
      this.changed.fire(program);
      if (program.ended) {
        this.shown.delete(program.id);
        this.passed.delete(program.id);
      }
    });
  }

  get programs(): readonly FollowedProgram[] {
    return this.follower.programs.programs;
  }

  /** Shows a program that started a child as the current run, unless an mpscope run is live. */
  private show(program: FollowedProgram): void {
    const session = this.follower.sessionOf(program);
    if (!session || this.shown.has(program.id) || this.passed.has(program.id) || session.state === 'ended') return;
    const run = getRunApi(this.ctx);
    if (!run) return;
    if (run.controller.active?.live) {
      // Its processes are still named in the tree; only the run node and findings stay with the run.
      this.passed.add(program.id);
      this.ctx.log.info(`terminal: ${program.program} is not shown as the current run: an mpscope run is live`);
      return;
    }
    const handle = new AdoptedHandle(this.ctx, session, program.executable, () => this.follower.livePids(program));
    this.shown.set(program.id, handle);
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
    for (const h of this.shown.values()) h.detach();
    void this.follower.close();
  }
}

let current: TerminalFollower | undefined;
const emptyEvent = new vscode.EventEmitter<FollowedProgram>();

/** The state of terminal following, for MpscopeApi. */
export function terminalFollowingState(): TerminalFollowingState {
  const f = current;
  return {
    socket: f?.listener.listening ? f.listener.path : undefined,
    programs: f ? f.programs : [],
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
      bootstrapDir: findAgent().bootstrap,
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
