import * as path from 'path';
import * as vscode from 'vscode';
import type { MpscopeContext } from '../context';
import type { RunState } from './state';
import type { RunBackend, RunHandle, RunProcessInfo } from './backend';
import { RunTerminal } from './terminal';
import { normalizeReport } from '../../runner/view/model';
import { cycleChain } from '../../runner/view/graph';
import type { RunRequest } from '../../runner/view/run-request';
import { resolveInterpreter } from '../python/interpreter';

/** One run: its handle, its terminal, and whether it still runs. */
export interface ActiveRun {
  request: RunRequest;
  handle: RunHandle;
  terminal: RunTerminal;
  /** The VS Code terminal when started by a command (a task's terminal belongs to the task). */
  vscodeTerminal?: vscode.Terminal;
  live: boolean;
  /** Resolves when every process of the run is gone. */
  done: Promise<void>;
}

/**
 * Starts and stops runs, and keeps RunState (and through it every view) up to date. One run at a
 * time: starting a new one stops the previous one first.
 */
export class RunController implements vscode.Disposable {
  private current: ActiveRun | undefined;
  private readonly changedEmitter = new vscode.EventEmitter<void>();
  /** Fires when the set of processes of the current run changes. */
  readonly onDidChangeProcesses = this.changedEmitter.event;

  constructor(
    private readonly ctx: MpscopeContext,
    private readonly state: RunState,
    private readonly backend: RunBackend,
  ) {
    // Context keys for menus (Stop, Clear) follow the state, whoever changed it.
    ctx.track(state.onDidChange(() => void this.setContext()));
    void this.setContext();
  }

  get active(): ActiveRun | undefined {
    return this.current;
  }

  /** The terminal of the last run started, also when its launch failed (it says why). */
  get lastTerminal(): RunTerminal | undefined {
    return this.terminal;
  }
  private terminal: RunTerminal | undefined;

  /** The processes of the current (or last) run. */
  processes(): RunProcessInfo[] {
    return this.current?.handle.processes() ?? [];
  }

  liveCount(): number {
    return this.processes().filter((p) => p.alive && !p.helper).length;
  }

  /**
   * Runs `request`. `terminal` is given by a task (its own Pseudoterminal); otherwise a terminal
   * named after the script is created and shown. `adopted` is a program that is already running,
   * started outside mpscope (a terminal program followed by the agent, src/ui/terminal): it is
   * shown as the current run instead of starting one.
   */
  async start(request: RunRequest, terminal?: RunTerminal, adopted?: RunHandle): Promise<ActiveRun> {
    const backend = this.backend;
    if (this.current?.live && this.current.handle.detach) this.current.handle.detach();
    else if (this.current?.live) await this.stop('a new run was started');
    this.disposeFinishedTerminal();

    const prefix =
      request.prefixOutput ?? vscode.workspace.getConfiguration('mpscope').get<boolean>('run.prefixOutput', false);
    const hangTimeout =
      request.hangTimeout ?? vscode.workspace.getConfiguration('mpscope').get<number>('run.hangTimeout', 1);
    const term = terminal ?? new RunTerminal(prefix);
    this.terminal = term;
    let vscodeTerminal: vscode.Terminal | undefined;
    if (!terminal) {
      vscodeTerminal = vscode.window.createTerminal({
        name: `mpscope: ${path.basename(request.program)}`,
        pty: term,
        iconPath: new vscode.ThemeIcon('debug-alt'),
        isTransient: true,
      });
      vscodeTerminal.show(true);
    }

    const python = request.python ?? (await resolveInterpreter(this.ctx, vscode.Uri.file(request.program))).command;
    this.state.begin(request.program);
    void this.setContext();
    term.info(
      `mpscope: running ${request.program}${request.args.length ? ` ${request.args.join(' ')}` : ''}` +
        ` with ${python}${request.startMethod ? ` (start method ${request.startMethod})` : ''}`,
    );

    let handle: RunHandle;
    try {
      handle = adopted ?? (await backend.start({ ...request, python, prefixOutput: prefix, hangTimeout }));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      term.error(`mpscope: ${message}`);
      this.state.end();
      void this.setContext();
      term.exit(2);
      throw err;
    }

    let resolveDone!: () => void;
    const run: ActiveRun = {
      request,
      handle,
      terminal: term,
      vscodeTerminal,
      live: true,
      done: new Promise<void>((r) => (resolveDone = r)),
    };
    this.current = run;
    term.input = {
      line: (text) => handle.writeStdin(text),
      interrupt: () => handle.interrupt(),
      eof: () => handle.closeStdin(),
    };
    term.onUserClose = () => {
      if (run.live) void this.stop('its terminal was closed');
    };
    handle.onOutput((data, stream, who) => term.output(data, stream, who));
    let deadlockAnnounced = false;
    handle.onUpdate((raw) => {
      if (this.current !== run || !run.live) return;
      const model = normalizeReport(raw);
      this.state.update(model, { live: true });
      this.changedEmitter.fire();
      const deadlock = model.findings.find((f) => f.kind === 'deadlock');
      if (deadlock && !deadlockAnnounced) {
        deadlockAnnounced = true;
        term.error(`mpscope: ${deadlock.message}`);
        term.info('mpscope: the processes are kept alive so you can look at them; stop the run when done.');
        void this.setContext();
        // The full message (every wait, every holder) is in the terminal and the report; the
        // notification names the cycle.
        const chain = cycleChain(model, deadlock);
        const short = chain.length > 0 ? `deadlock: ${chain.join(' → ')}` : deadlock.message;
        void vscode.window
          .showErrorMessage(
            `mpscope: ${short}. Its processes are kept alive until you stop the run.`,
            'Show Report',
            'Stop Run',
          )
          .then((choice) => {
            if (choice === 'Show Report') void vscode.commands.executeCommand('mpscope.showReport');
            if (choice === 'Stop Run') void vscode.commands.executeCommand('mpscope.stopRun');
          });
      }
    });
    handle.onExit((raw) => {
      run.live = false;
      const model = normalizeReport(raw);
      if (this.current === run) {
        this.state.update(model, { live: false });
        this.state.end();
        this.changedEmitter.fire();
      }
      const outcome = model.signal ? `killed by ${model.signal}` : `exit code ${model.exitCode ?? '?'}`;
      const n = model.findings.length;
      term.info(`mpscope: run ended (${outcome}), ${n} finding${n === 1 ? '' : 's'}. "mpscope: Show Run Report" shows them.`);
      void this.setContext();
      // A task's terminal ends with the run's exit status; a command's terminal stays open to be read.
      if (terminal) term.exit(model.exitCode ?? 1);
      resolveDone();
    });
    return run;
  }

  /** Stops the current run; resolves when every process of it is gone. */
  async stop(reason = 'the user stopped it'): Promise<void> {
    const run = this.current;
    if (!run || !run.live) return;
    run.terminal.info(`mpscope: stopping the run (${reason})...`);
    await run.handle.stop();
    // The exit event follows stop(); wait for it, but never forever.
    await Promise.race([run.done, new Promise((r) => setTimeout(r, 10_000))]);
  }

  /** Forgets the last run (its processes must be gone). */
  clear(): void {
    if (this.current?.live) throw new Error('stop the run before clearing it');
    this.disposeFinishedTerminal();
    this.current = undefined;
    this.state.clear();
    this.changedEmitter.fire();
    void this.setContext();
  }

  private disposeFinishedTerminal(): void {
    const prev = this.current;
    if (prev && !prev.live && prev.vscodeTerminal && !prev.terminal.closedByUser) {
      prev.vscodeTerminal.dispose();
    }
  }

  private async setContext(): Promise<void> {
    await vscode.commands.executeCommand('setContext', 'mpscope.runActive', Boolean(this.current?.live));
    await vscode.commands.executeCommand('setContext', 'mpscope.hasRun', Boolean(this.state.script));
    await vscode.commands.executeCommand('setContext', 'mpscope.deadlockLive', this.state.deadlockLive);
  }

  dispose(): void {
    const run = this.current;
    if (run?.live) void run.handle.stop();
    this.changedEmitter.dispose();
  }
}
