// Adapts the runner's Session (src/runner/session.ts) to the editor's RunBackend: output for the
// terminal, live report snapshots for the views, stop, stdin, stacks.
import { StringDecoder } from 'string_decoder';
import * as vscode from 'vscode';
import type { MpscopeContext } from '../context';
import type { RunBackend, RunHandle, RunProcessInfo, RunStacks } from './backend';
import { Session } from '../../runner/session';
import { buildReport, type RunReport } from '../../runner/report';
import type { Finding } from '../../runner/findings/types';
import type { ProcessRecord } from '../../runner/model';
import { mergeEnv, type RunRequest } from '../../runner/view/run-request';
import { normalizeReport, signalName } from '../../runner/view/model';
import { formatStacks } from '../../runner/view/stacks-text';
import { launchRegistry } from '../../procs/launches';
import { attributeSessionOutput } from '../../runner/outputTags';

/** Live report snapshots at most this often: a Pool of 8 workers must not redraw 8 views per message. */
const UPDATE_INTERVAL_MS = 150;

export function createRunnerBackend(ctx: MpscopeContext): RunBackend {
  return {
    async start(request: RunRequest & { python: string }): Promise<RunHandle> {
      const config = vscode.workspace.getConfiguration('mpscope');
      const maxProcesses = config.get<number>('maxProcesses');
      const env = mergeEnv(process.env, request.env);
      const stdio = { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' } as const;
      const session = new Session({
        script: request.program,
        args: request.args,
        python: request.python,
        cwd: request.cwd,
        env,
        startMethod: request.startMethod,
        hangTimeoutMs: Math.round((request.hangTimeout ?? 1) * 1000),
        // In the editor a deadlock's processes stay alive, so the user can look at them.
        onDeadlock: 'keep',
        ...(typeof maxProcesses === 'number' && maxProcesses > 0 ? { maxProcesses } : {}),
        ...stdio,
        prefixOutput: request.prefixOutput === true,
      });
      const handle = new SessionHandle(ctx, session, request.python);
      await session.start(); // LaunchError: one line, shown by the controller
      // The next run with this interpreter starts on a supervisor made ready now, while the user
      // reads this run's results (src/runner/warmSupervisor.ts). Only after a run the user asked
      // for: in a workspace that is trusted, with the interpreter that run used.
      session.once('end', () => {
        try {
          Session.prewarm({ python: request.python, cwd: request.cwd, env, ...stdio });
        } catch (e) {
          ctx.log.info(`run: no supervisor kept ready: ${e instanceof Error ? e.message : String(e)}`);
        }
      });
      handle.attach();
      return handle;
    },
  };
}

/** Exported for programs followed from terminals (src/ui/terminal), which wrap a Session too. */
export class SessionHandle implements RunHandle {
  private outputListeners: Array<(data: string, stream: 'stdout' | 'stderr', who?: string) => void> = [];
  private updateListeners: Array<(report: unknown) => void> = [];
  private exitListeners: Array<(report: unknown) => void> = [];
  /** Findings the detectors announce while the run goes on (a deadlock kept alive). */
  private readonly liveFindings: Finding[] = [];
  private updateTimer: NodeJS.Timeout | undefined;
  private final: RunReport | undefined;
  /** Stacks fetched for the processes of a live deadlock whose finding came without them. */
  private readonly liveStacks = new Map<number, unknown>();

  constructor(
    private readonly ctx: MpscopeContext,
    private readonly session: Session,
    readonly interpreter: string,
  ) {}

  attach(): void {
    const s = this.session;
    // Tagged output: who wrote what (mpscope.run.prefixOutput). Attached before 'end' below, so
    // that all of it is in the terminal before the run's last line.
    if (s.options.prefixOutput) {
      attributeSessionOutput(s, (text, stream, who) => this.emitOutput(text, stream, who));
    } else {
      for (const [stream, readable] of [
        ['stdout', s.stdout],
        ['stderr', s.stderr],
      ] as const) {
        if (!readable) continue;
        const decoder = new StringDecoder('utf8');
        readable.on('data', (chunk: Buffer) => this.emitOutput(decoder.write(chunk), stream));
        readable.on('end', () => this.emitOutput(decoder.end(), stream));
      }
    }
    // The user closing stdin (Ctrl-D) or the script exiting makes writes fail with EPIPE: harmless.
    s.stdin?.on('error', () => undefined);
    s.on('process', (p: ProcessRecord) => {
      this.record(p);
      this.scheduleUpdate();
    });
    // The deadlock detector announces a deadlock as soon as it confirms it (session event
    // 'deadlock', Finding[]); in the editor the run is kept alive after it: show it at once.
    s.on('deadlock', (findings: Finding[]) => {
      this.liveFindings.push(...findings);
      this.scheduleUpdate(true);
      for (const f of findings) void this.fetchStacks(f);
    });
    s.on('stopping', (reason: string) => this.ctx.log.info(`run of ${s.script}: stopping (${reason})`));
    s.on('error', (e: Error) => this.ctx.log.error(`run of ${s.script}: ${e.message}`));
    s.on('end', (report: RunReport) => {
      this.final = report;
      if (this.updateTimer) clearTimeout(this.updateTimer);
      for (const err of report.agentErrors) this.ctx.log.warn(`run of ${s.script}: ${err}`);
      for (const l of this.exitListeners) l(report);
    });
    this.scheduleUpdate(true);
  }

  /**
   * Tells the Processes view what this run launched (its "only mpscope runs" filter, the proof
   * that a re-parented process was orphaned) and what it knows (multiprocessing names, start sites).
   */
  private readonly recorded = new Set<number>();
  private readonly annotated = new Map<number, string>();
  private record(p: ProcessRecord): void {
    const sup = this.session.model.supervisorPid;
    if (sup !== null && !this.recorded.has(sup)) {
      this.recorded.add(sup);
      launchRegistry.markLaunched(sup, process.pid);
      launchRegistry.markSubreaper(sup); // the supervisor adopts the run's orphans
    }
    // Recorded once its OS parent is known (the parent's start message can come first): a wrong
    // original parent would later look like proof that the process was orphaned.
    if (!this.recorded.has(p.pid) && p.osPpid !== null) {
      this.recorded.add(p.pid);
      launchRegistry.markLaunched(p.pid, p.osPpid);
    }
    const method = p.startMethod === 'fork' || p.startMethod === 'spawn' || p.startMethod === 'forkserver' ? p.startMethod : undefined;
    // Only on news: every change makes the Processes view take a snapshot.
    const key = `${p.name}|${p.startSite?.file}:${p.startSite?.line}|${method}`;
    if ((p.name || p.startSite || method) && this.annotated.get(p.pid) !== key) {
      this.annotated.set(p.pid, key);
      launchRegistry.annotate(p.pid, {
        ...(p.name ? { mpName: p.name } : {}),
        ...(p.startSite ? { startSite: { file: p.startSite.file, line: p.startSite.line } } : {}),
        ...(method ? { startMethod: method } : {}),
      });
    }
  }

  private emitOutput(data: string, stream: 'stdout' | 'stderr', who?: string): void {
    if (!data) return;
    for (const l of this.outputListeners) l(data, stream, who);
  }

  private scheduleUpdate(now = false): void {
    if (this.final) return;
    if (this.updateTimer && !now) return;
    if (this.updateTimer) clearTimeout(this.updateTimer);
    this.updateTimer = setTimeout(
      () => {
        this.updateTimer = undefined;
        if (this.final) return;
        const snapshot = this.snapshot();
        for (const l of this.updateListeners) l(snapshot);
      },
      now ? 0 : UPDATE_INTERVAL_MS,
    );
  }

  /**
   * The hover of a waiting line shows the stacks of the deadlock's processes. When the finding
   * does not carry them, ask each process (they are kept alive, so they can answer).
   */
  private async fetchStacks(f: Finding): Promise<void> {
    const given = (f.details?.stacks ?? {}) as Record<string, unknown>;
    const pids = f.pids.filter((pid) => given[String(pid)] === undefined && !this.liveStacks.has(pid));
    await Promise.all(
      pids.map(async (pid) => {
        try {
          const reply = await this.session.dumpStacks(pid, 3000);
          this.liveStacks.set(pid, (reply as { threads?: unknown }).threads ?? []);
        } catch (e) {
          this.ctx.log.info(`stacks of pid ${pid} for the deadlock hover: ${(e as Error).message}`);
        }
      }),
    );
    if (this.liveStacks.size > 0) this.scheduleUpdate(true);
  }

  /** The report so far: the runner's report shape, with the findings announced until now. */
  private snapshot(): RunReport {
    const r = buildReport(this.session);
    const withStacks = (f: Finding): Finding => {
      if (f.kind !== 'deadlock' || this.liveStacks.size === 0) return f;
      const stacks: Record<string, unknown> = {};
      for (const [pid, threads] of this.liveStacks) stacks[String(pid)] = threads;
      Object.assign(stacks, (f.details?.stacks ?? {}) as Record<string, unknown>);
      return { ...f, details: { ...f.details, stacks } };
    };
    return {
      ...r,
      durationMs: Date.now() - this.session.startedAt,
      findings: [...this.liveFindings.map(withStacks), ...r.findings],
    };
  }

  onOutput(listener: (data: string, stream: 'stdout' | 'stderr', who?: string) => void): void {
    this.outputListeners.push(listener);
  }
  onUpdate(listener: (report: unknown) => void): void {
    this.updateListeners.push(listener);
  }
  onExit(listener: (report: unknown) => void): void {
    if (this.final) listener(this.final);
    else this.exitListeners.push(listener);
  }

  writeStdin(text: string): void {
    const stdin = this.session.stdin;
    if (stdin && !stdin.destroyed && stdin.writable) stdin.write(text);
  }

  closeStdin(): void {
    this.session.stdin?.end();
  }

  interrupt(): void {
    this.session.interrupt().catch((e: Error) => this.ctx.log.warn(`interrupt: ${e.message}`));
  }

  async stop(): Promise<void> {
    if (this.session.state === 'ended' || this.session.state === 'new') return;
    await this.session.stop('stop');
  }

  async dumpStacks(pid: number): Promise<RunStacks> {
    const reply = await this.session.dumpStacks(pid, 3000);
    const out = formatStacks(normalizeReport(this.snapshot()), pid, (reply as { threads?: unknown }).threads);
    return { pid, text: out.text, userFrame: out.userFrame };
  }

  processes(): RunProcessInfo[] {
    const deadlocked = new Set<number>();
    for (const f of this.liveFindings) {
      if (f.kind !== 'deadlock') continue;
      for (const pid of f.pids) deadlocked.add(pid);
    }
    const ended = this.session.state === 'ended';
    const supervisor = this.session.model.supervisorPid;
    return this.session.processes
      .filter((p) => p.pid !== supervisor)
      .map((p) => ({
        pid: p.pid,
        ppid: p.startedBy ?? p.osPpid ?? undefined,
        name: p.name ?? p.comm ?? (p.role === 'main' ? 'MainProcess' : `pid ${p.pid}`),
        startSite: p.startSite ? { file: p.startSite.file, line: p.startSite.line } : undefined,
        alive: !ended && p.goneAt === null && p.endTime === null && p.exitCode === null && p.signal === null,
        exitCode: p.exitCode,
        signal: p.signal !== null ? signalName(p.signal) : null,
        helper: p.role === 'helper',
        deadlocked: !ended && deadlocked.has(p.pid),
      }));
  }
}
