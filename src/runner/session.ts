// A supervised run of a Python script: the object the CLI and the VS Code layer drive.
//
//   const session = new Session({ script: 'main.py', python, startMethod: 'spawn' });
//   session.on('process', (p) => ...);            // the process model changed
//   session.onMessage('exception', (m, pid) => ...);
//   await session.start();                        // throws LaunchError for bad input
//   await session.dumpStacks(pid);                // ask one process for its stacks
//   await session.stop();                         // whole tree: SIGTERM, then SIGKILL
//   const report = await session.wait();          // the report, with findings
//
// Events: 'started', 'hello' (ProcessRecord), 'process' (ProcessRecord), 'message' (msg, pid),
// 'msg:<kind>' (msg, pid), 'stopping' (reason), 'end' (RunReport), 'error' (Error, after start).
// No `vscode` import: this runs in the CLI, in tests and in the extension host alike.
import { EventEmitter } from 'events';
import { spawn, type ChildProcess, type StdioOptions } from 'child_process';
import * as fs from 'fs';
import type { Readable, Writable } from 'stream';
import { allClosed } from './allClosed';
import { AgentServer, type AgentConnection } from './channel';
import { findAgent } from './agentPaths';
import { checkScript, LaunchError, planLaunch, resolvePython, supervisorMode, type StartMethod, type SupervisorMode } from './launch';
import { RunModel, type ProcessRecord } from './model';
import { ENV, type AgentMessage, type MessageKind, type Msg, type ReplyData, type RequestKind } from './protocol';
import type { Detector } from './detector';
import { defaultDetectors } from './detectors';
import type { FindingContext } from './findings/context';
import type { Finding } from './findings/types';
import { buildReport, type RunReport } from './report';
import { prewarmSupervisor, takeWarmSupervisor, type WarmKey, type WarmSupervisor } from './warmSupervisor';

export { LaunchError } from './launch';

/** Where a stream of the script goes: a pipe the caller reads, our own, nowhere, or an fd. */
export type StdioTarget = 'pipe' | 'inherit' | 'ignore' | number;

export interface SessionOptions {
  script: string;
  args?: string[];
  /** Interpreter path or name on PATH; default python3, then python. */
  python?: string;
  /** Interpreter options before the script, e.g. ['-X', 'dev']. */
  pythonArgs?: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Force this start method in every process (reproduces Windows/macOS spawn on Linux). */
  startMethod?: StartMethod;
  /** Stop the whole run after this long (reported as a `timeout` finding). */
  timeoutMs?: number;
  /** How long every process must stay blocked before the run counts as hung (issue 5). */
  hangTimeoutMs?: number;
  /** What the deadlock detector does after reporting (issue 5). */
  onDeadlock?: 'kill' | 'keep';
  /** mpscope.maxProcesses: more processes alive at once and the run is killed. */
  maxProcesses?: number;
  /** Stop: SIGTERM, then SIGKILL after this long. */
  graceMs?: number;
  /** How long processes may outlive the script before they are stopped. */
  lingerMs?: number;
  /** A child exited but not reaped for longer than this is a zombie finding. */
  zombieThresholdMs?: number;
  /** How often the supervisor looks at /proc. */
  scanMs?: number;
  stdin?: StdioTarget;
  stdout?: StdioTarget;
  stderr?: StdioTarget;
  /** Validate every message against the protocol in the agent too (tests). */
  strict?: boolean;
  /** How the supervisor is started (see launch.ts); chosen from pythonArgs by default. */
  supervisor?: SupervisorMode;
  /** Start the run in its own process group (for callers without a terminal). */
  detached?: boolean;
  /** Tag each line of output with its writer's pid (read them with attributeSessionOutput, outputTags.ts). */
  prefixOutput?: boolean;
  detectors?: Detector[];
}

function warmKeyOf(o: Pick<SessionOptions, 'stdin' | 'stdout' | 'stderr' | 'detached'>, python: string): WarmKey {
  return { python, stdio: [o.stdin ?? 'pipe', o.stdout ?? 'pipe', o.stderr ?? 'pipe'], detached: o.detached ?? false };
}

export type SessionState = 'new' | 'starting' | 'running' | 'stopping' | 'ended';

interface Pending {
  resolve: (data: Record<string, unknown>) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const START_TIMEOUT_MS = 20_000;

const DEFAULTS = {
  hangTimeoutMs: 1000,
  onDeadlock: 'kill' as 'kill' | 'keep',
  maxProcesses: 256,
  graceMs: 2000,
  lingerMs: 1000,
  zombieThresholdMs: 1000,
  scanMs: 50,
};

export class Session extends EventEmitter {
  readonly options: SessionOptions & typeof DEFAULTS;
  readonly model = new RunModel();
  state: SessionState = 'new';
  /** Absolute script path and interpreter, once started. */
  script = '';
  python = '';
  startedAt = 0;
  endedAt = 0;
  /** Why mpscope stopped the run (timeout, stop, limit, leftover, deadlock...), or null. */
  stopReason: string | null = null;
  /** The script's streams, when they are pipes. */
  stdin: Writable | null = null;
  stdout: Readable | null = null;
  stderr: Readable | null = null;
  findings: Finding[] = [];
  /** The run's secret: every process of the run carries it in its environment. */
  private token = '';

  private server?: AgentServer;
  private child?: ChildProcess;
  private supervisor?: AgentConnection;
  private readonly agents = new Map<number, AgentConnection>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private timers: NodeJS.Timeout[] = [];
  private report_?: RunReport;
  private readonly ended: Promise<RunReport>;
  private resolveEnded!: (r: RunReport) => void;
  private supervisorDone = false;
  /** The supervisor was started ahead of the run (warmSupervisor.ts), without its environment. */
  private warmSupervisor = false;
  /** An adopted program's directory of agent state files (startAdopted). */
  private adoptedDir: string | null = null;
  private liveAgents = 0;
  private readonly detectors: Detector[];

  constructor(options: SessionOptions) {
    super();
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.options = { ...DEFAULTS, ...given } as SessionOptions & typeof DEFAULTS;
    this.detectors = options.detectors ?? defaultDetectors();
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  // -- starting ---------------------------------------------------------------------------------

  /**
   * Gets a supervisor ready for the next session started with these options (warmSupervisor.ts):
   * call it when a run ends, not while one starts (it costs an interpreter start-up of CPU).
   * Throws LaunchError when the interpreter cannot be found.
   */
  static prewarm(options: Pick<SessionOptions, 'python' | 'cwd' | 'env' | 'stdin' | 'stdout' | 'stderr' | 'detached'>): WarmSupervisor {
    const env = options.env ?? process.env;
    return prewarmSupervisor(warmKeyOf(options, resolvePython(options.python, env, options.cwd ?? process.cwd())), findAgent(env).supervisor, env);
  }

  /** Launches the run. Resolves once the script's process exists; throws LaunchError for bad input. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('a session can only be started once');
    this.state = 'starting';
    const o = this.options;
    const cwd = o.cwd ?? process.cwd();
    const env = o.env ?? process.env;
    try {
      this.script = checkScript(o.script, cwd);
      this.python = resolvePython(o.python, env, cwd);
      if (o.startMethod && !['fork', 'spawn', 'forkserver'].includes(o.startMethod)) {
        throw new LaunchError(`unknown start method '${o.startMethod}' (fork, spawn or forkserver)`);
      }
    } catch (e) {
      this.state = 'ended';
      throw e;
    }
    const agent = findAgent(env);
    const key = warmKeyOf(o, this.python);
    const { stdio, detached } = key;
    // A supervisor started ahead of the run (warmSupervisor.ts), when the caller keeps one ready
    // and the mode is ours to choose: the run then starts as in separate mode, minus its start-up.
    const warm = o.supervisor === undefined ? takeWarmSupervisor(key) : undefined;
    let server: AgentServer;
    try {
      server = (await warm?.takeServer()?.catch(() => undefined)) ?? (await AgentServer.create(env));
    } catch (e) {
      warm?.dispose();
      this.state = 'ended';
      throw new LaunchError((e as Error).message);
    }
    this.server = server;
    this.token = server.token;
    server.on('connection', (conn: AgentConnection) => this.onConnection(conn));
    const plan = planLaunch({
      python: this.python,
      pythonArgs: o.pythonArgs ?? [],
      script: this.script,
      args: o.args ?? [],
      cwd,
      env,
      bootstrapDir: agent.bootstrap,
      supervisor: agent.supervisor,
      socketPath: server.socketPath,
      token: server.token,
      config: {
        startMethod: o.startMethod,
        strict: o.strict,
        hangTimeoutMs: o.hangTimeoutMs,
        maxProcesses: o.maxProcesses,
        lingerMs: o.lingerMs,
        graceMs: o.graceMs,
        scanMs: o.scanMs,
        prefixOutput: o.prefixOutput,
      },
      mode: warm ? 'separate' : (o.supervisor ?? supervisorMode(o.pythonArgs ?? [])),
    });
    for (const d of this.detectors) d.attach?.(this);
    this.startedAt = Date.now();
    let child: ChildProcess;
    try {
      child = warm
        ? warm.start({ cmd: plan.scriptCommand, cwd: plan.cwd, env: plan.env })
        : spawn(plan.python, plan.argv, { cwd: plan.cwd, env: plan.env, stdio: stdio as StdioOptions, detached });
    } catch (e) {
      await this.abortLaunch();
      throw new LaunchError(`cannot run ${this.python}: ${(e as Error).message}`);
    }
    this.child = child;
    this.warmSupervisor = !!warm;
    this.stdin = child.stdin;
    this.stdout = child.stdout;
    this.stderr = child.stderr;
    await new Promise<void>((resolve, reject) => {
      const onStarted = () => {
        cleanup();
        resolve();
      };
      const onError = (e: NodeJS.ErrnoException) => {
        cleanup();
        reject(new LaunchError(`cannot run ${this.python}: ${e.code === 'ENOENT' ? 'not found' : e.message}`));
      };
      const onExit = async (code: number | null) => {
        cleanup();
        // The supervisor may have said "started" in data not read yet: a quick run can end
        // before we get to it. Read what is left before deciding that the launch failed.
        await this.server?.drain(500);
        if (this.model.mainPid !== null) {
          resolve();
          return;
        }
        reject(
          new LaunchError(
            code === 3
              ? `${this.python} is too old: mpscope needs Python 3.8 or newer`
              : `${this.python} could not start mpscope's supervisor (exit status ${code}); is it a Python 3.8+ interpreter?`,
          ),
        );
      };
      // Should the agent not start at all (an environment that drops PYTHONPATH), do not wait
      // for ever: the script would run unsupervised.
      const timer = setTimeout(() => {
        cleanup();
        reject(new LaunchError(`mpscope's supervisor did not start within ${START_TIMEOUT_MS / 1000} s (does ${this.python} honour PYTHONPATH?)`));
      }, START_TIMEOUT_MS);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('started', onStarted);
        child.off('error', onError);
        child.off('exit', onExit);
      };
      this.once('started', onStarted);
      child.once('error', onError);
      child.once('exit', onExit);
    }).catch(async (e) => {
      await this.abortLaunch();
      throw e;
    });
    this.state = 'running';
    if (this.supervisorDone || child.exitCode !== null || child.signalCode !== null) setImmediate(() => void this.finish());
    // Output waits in the (paused) pipes until start() has resolved, so the caller can attach
    // to session.stdout/stderr first; after that, a pipe nobody reads would block the script.
    setImmediate(() => {
      for (const s of [child.stdout, child.stderr]) if (s && s.listenerCount('data') === 0 && !s.readableFlowing) s.resume();
    });
    child.on('exit', () => void this.finish());
    child.on('error', (e) => this.emit('error', e));
    if (o.timeoutMs !== undefined && o.timeoutMs > 0) {
      this.timers.push(setTimeout(() => void this.stop('timeout'), o.timeoutMs));
    }
  }

  // -- following a program mpscope did not start (issue 9) --------------------------------------

  /**
   * Follows a program started outside mpscope: `python app.py` typed into a VS Code terminal
   * with the agent injected (mpscope.terminal.injectAgent). There is no supervisor and no server
   * of the session's own: the caller hands over each agent connection of the program with
   * adopt(), stops its processes itself if asked to, and calls finishAdopted() once they are gone.
   * Detectors, findings and the report work as for a launched run.
   */
  startAdopted(info: { script: string; python: string; startedAt?: number; runDir?: string }): void {
    if (this.state !== 'new') throw new Error('a session can only be started once');
    this.adoptedDir = info.runDir ?? null;
    this.script = info.script;
    this.python = info.python;
    this.startedAt = info.startedAt ?? Date.now();
    for (const d of this.detectors) d.attach?.(this);
    this.state = 'running';
  }

  /** One agent connection (it said hello) of an adopted program. */
  adopt(conn: AgentConnection): void {
    this.onConnection(conn);
  }

  /** Ends an adopted program's session (its processes are gone): findings, then the report. */
  finishAdopted(): Promise<RunReport> {
    void this.finish();
    return this.ended;
  }

  private async abortLaunch(): Promise<void> {
    this.state = 'ended';
    this.child?.kill('SIGKILL');
    this.killLeftovers();
    await this.server?.close();
  }

  private onConnection(conn: AgentConnection): void {
    const hello = conn.hello!;
    const pid = hello.pid;
    if (hello.role === 'supervisor') this.supervisor = conn;
    else {
      this.agents.set(pid, conn);
      this.liveAgents++;
    }
    const p = this.model.onHello(hello, conn.connectedAt);
    this.emit('hello', p);
    this.emit('process', p);
    this.emit('message', hello, pid);
    this.emit('msg:hello', hello, pid);
    conn.on('message', (msg: AgentMessage) => this.onAgentMessage(pid, msg));
    conn.on('close', (at: number) => {
      if (conn === this.supervisor) return;
      this.liveAgents--;
      if (this.agents.get(pid) === conn) this.agents.delete(pid);
      this.model.onDisconnect(pid, at);
      const rec = this.model.processes.get(pid);
      if (rec) this.emit('process', rec);
    });
    if (hello.role !== 'supervisor' && this.liveAgents > this.options.maxProcesses && this.state === 'running') {
      // Second line of defence next to the supervisor's /proc count: processes say hello first.
      this.model.limit = this.model.limit ?? { count: this.liveAgents, max: this.options.maxProcesses };
      void this.stop('limit', 0);
    }
  }

  private onAgentMessage(pid: number, msg: AgentMessage): void {
    if (msg.t === 'reply') {
      const p = this.pending.get(msg.id);
      if (p) {
        this.pending.delete(msg.id);
        clearTimeout(p.timer);
        if (msg.ok) p.resolve((msg.data ?? {}) as Record<string, unknown>);
        else p.reject(new Error(msg.error ?? 'request failed'));
      }
      return;
    }
    const touched = this.model.apply(pid, msg);
    if (msg.t === 'sup_started') this.emit('started');
    if (msg.t === 'sup_stopping') {
      if (this.state === 'running') this.state = 'stopping';
      this.stopReason = this.stopReason ?? msg.reason;
      this.emit('stopping', this.stopReason);
    }
    if (msg.t === 'sup_done') {
      // Nothing of the run is left (the supervisor says so only once it has no child at all):
      // the report need not wait for the supervisor's own exit (see finish()).
      this.supervisorDone = true;
      setImmediate(() => {
        if (this.state === 'running' || this.state === 'stopping') void this.finish(); // else start() does
      });
    }
    this.emit('message', msg, pid);
    this.emit(`msg:${msg.t}`, msg, pid);
    for (const p of touched) this.emit('process', p);
  }

  /** Typed subscription to one message kind (from any process of the run). */
  onMessage<K extends MessageKind>(kind: K, handler: (msg: Msg<K>, pid: number) => void): this {
    return this.on(`msg:${kind}`, handler as (msg: AgentMessage, pid: number) => void);
  }

  // -- requests ---------------------------------------------------------------------------------

  /**
   * Asks one process something and resolves to its reply's data. Agents are woken with the
   * wake signal (SIGURG); a process whose main thread is stuck in native code does not answer
   * and the promise rejects after timeoutMs.
   */
  request<K extends RequestKind>(
    pid: number,
    kind: K,
    fields: Record<string, unknown> = {},
    timeoutMs = 2000,
  ): Promise<ReplyData<K>> {
    const isSupervisor = pid === this.model.supervisorPid;
    const conn = isSupervisor ? this.supervisor : this.agents.get(pid);
    if (!conn || conn.closed) return Promise.reject(new Error(`process ${pid} is not connected to mpscope`));
    const wake = conn.hello?.wakeSignal;
    if (!isSupervisor && (wake === null || wake === undefined)) {
      return Promise.reject(new Error(`process ${pid} cannot take requests (no wake signal)`));
    }
    const id = this.nextId++;
    return new Promise<ReplyData<K>>((resolve, reject) => {
      // A wake signal can be lost: CPython checks for signals just before it re-enters a blocking
      // sem_wait(), so one that lands in between leaves the request unread. Waking again until the
      // reply comes is harmless (the agent reads its socket without blocking) and closes that race.
      let rewake: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        if (rewake) clearInterval(rewake);
      };
      const timer = setTimeout(() => {
        if (rewake) clearInterval(rewake);
        this.pending.delete(id);
        reject(new Error(`process ${pid} did not answer ${kind} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: ((d: Record<string, unknown>) => {
          done();
          (resolve as (d: Record<string, unknown>) => void)(d);
        }) as (d: Record<string, unknown>) => void,
        reject: (e: Error) => {
          done();
          reject(e);
        },
        timer,
      });
      conn.send({ ...fields, t: kind, id });
      if (!isSupervisor) {
        const wakeUp = (): boolean => {
          try {
            process.kill(pid, wake!);
            return true;
          } catch (e) {
            done();
            this.pending.delete(id);
            reject(new Error(`process ${pid} is gone (${(e as NodeJS.ErrnoException).code})`));
            return false;
          }
        };
        if (wakeUp()) rewake = setInterval(wakeUp, 250);
      }
    });
  }

  /** Every thread's stack in one process (see src/agent/mpscope_agent/stacks.py). */
  dumpStacks(pid: number, timeoutMs = 2000): Promise<ReplyData<'dump_stacks'>> {
    return this.request(pid, 'dump_stacks', {}, timeoutMs);
  }

  /** Ctrl-C for the whole run: SIGINT to every process, as a terminal does to its foreground group. */
  async interrupt(): Promise<void> {
    if (this.model.supervisorPid === null) return;
    await this.request(this.model.supervisorPid, 'signal', { signal: 2 });
  }

  // -- stopping ---------------------------------------------------------------------------------

  /**
   * Stops the whole tree (children first, SIGTERM, then SIGKILL after graceMs) and resolves to
   * the report. After this resolves, no process of the run remains.
   */
  async stop(reason = 'stop', graceMs = this.options.graceMs): Promise<RunReport> {
    if (this.state === 'new') throw new Error('the session has not been started');
    if (this.state === 'ended') return this.ended;
    this.stopReason = this.stopReason ?? reason;
    if (this.state === 'running') this.state = 'stopping';
    const sup = this.model.supervisorPid;
    if (sup !== null && this.supervisor && !this.supervisor.closed) {
      this.request(sup, 'stop', { graceMs }, graceMs + 10_000).catch(() => undefined);
    } else {
      this.child?.kill('SIGTERM');
    }
    // If the supervisor itself does not finish the job (it gives up after 30 s), do it ourselves.
    const watchdog = setTimeout(() => {
      if (this.state !== 'ended') {
        this.child?.kill('SIGKILL');
        this.killLeftovers();
      }
    }, graceMs + 40_000);
    this.timers.push(watchdog);
    return this.ended;
  }

  /** The report: final once the run has ended, a snapshot before. */
  async wait(): Promise<RunReport> {
    return this.ended;
  }

  get report(): RunReport | undefined {
    return this.report_;
  }

  /** The run's private directory, while the run lasts (the agents' deadlock state files live there). */
  get runDir(): string | null {
    return this.server?.dir ?? this.adoptedDir;
  }

  /** Processes of the run (not the supervisor), in start order. */
  get processes(): ProcessRecord[] {
    return this.model.all();
  }

  findingContext(): FindingContext {
    return {
      model: this.model,
      stopReason: this.stopReason,
      stopAt: this.model.stop?.ts ?? null,
      endedAt: this.endedAt || Date.now(),
      zombieThresholdMs: this.options.zombieThresholdMs,
      timeoutMs: this.options.timeoutMs ?? null,
    };
  }

  /**
   * Processes of this run still alive, found in /proc by the run's token in their environment
   * (so also processes mpscope never heard of). Empty after the run has ended. Linux only.
   */
  remainingPids(options: { zombies?: boolean } = {}): number[] {
    if (!this.token) return [];
    const needle = Buffer.from(`${ENV.token}=${this.token}\0`);
    const out: number[] = [];
    let names: string[];
    try {
      names = fs.readdirSync('/proc');
    } catch {
      return out;
    }
    for (const name of names) {
      if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
      try {
        const env = fs.readFileSync(`/proc/${name}/environ`);
        if (!env.includes(needle)) continue;
        const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
        if (!options.zombies && stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // dead, not reaped
        out.push(Number(name));
      } catch {
        // gone, or not ours to read
      }
    }
    return out;
  }

  /** Last resort if the supervisor died: SIGKILL every process that still carries our token. */
  private killLeftovers(): void {
    const signal = (pid: number, sig: NodeJS.Signals) => {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    };
    for (let round = 0; round < 5; round++) {
      const pids = this.remainingPids();
      if (pids.length === 0) return;
      for (const pid of pids) signal(pid, 'SIGSTOP'); // freeze first: nothing forks while we kill
      for (const pid of pids) signal(pid, 'SIGKILL');
    }
  }

  private async finish(): Promise<void> {
    if (this.state === 'ended') return;
    this.state = 'ended';
    for (const t of this.timers) clearTimeout(t);
    // The supervisor only says it is done once it has no child left (as the subreaper, that is
    // the whole run); should it have died first, make sure ourselves.
    if (!this.supervisorDone) this.killLeftovers();
    // Every process is gone; let their last messages and socket closes arrive (the
    // supervisor's last one was sup_done: its connection ends with its exit, awaited below).
    await this.server?.drain(1000, this.supervisorDone ? this.supervisor : undefined);
    await this.streamsClosed(2000);
    this.endedAt = Date.now();
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error('the run has ended'));
      this.pending.delete(id);
    }
    const findings: Finding[] = [];
    for (const d of this.detectors) {
      try {
        findings.push(...(await d.finish(this)));
      } catch (e) {
        this.model.agentErrors.push(`detector ${d.name} failed: ${(e as Error).message}`);
      }
    }
    this.findings = findings;
    if (this.server) this.model.agentErrors.push(...this.server.protocolErrors.map((e) => `protocol: ${e}`));
    this.report_ = buildReport(this);
    // The supervisor exits right after its last message. One started for this run carries the
    // run's token in its environment, like the run's processes: the run has ended when it has
    // gone too. A warm one never had the run's environment: the report does not wait for it
    // (~0.5 ms on every run in the editor), and the watchdog makes sure it goes.
    if (this.warmSupervisor) void this.supervisorExited(2000);
    else await this.supervisorExited(2000);
    this.emit('end', this.report_);
    this.resolveEnded(this.report_);
    await this.server?.close();
  }

  private supervisorExited(timeoutMs: number): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL'); // it said it was done: nothing of the run is lost
        resolve();
      }, timeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private streamsClosed(timeoutMs: number): Promise<void> {
    const child = this.child;
    if (!child) return Promise.resolve();
    return allClosed(
      [child.stdout, child.stderr].filter((s): s is Readable => !!s && !s.readableEnded && !s.destroyed),
      timeoutMs,
    );
  }
}
