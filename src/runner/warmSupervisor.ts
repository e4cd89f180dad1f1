// Warm supervisors: a run's supervisor started ahead of the run, so that the run itself starts
// with nothing of ours in front of the script.
//
// Without one, a run starts in fork mode (launch.ts): the script's own interpreter forks at
// start-up and its parent becomes the supervisor. That costs the fork, and the script then pays a
// copy-on-write fault for every page it writes for the rest of its life (measured: about 10 ms
// on a 60 ms Pool.map run). A warm supervisor is `python -S -E -s mpscope_supervisor.py --warm`
// (mpscope_agent/supervisor.py warm()): started while nobody waits, given the run's stdio, it
// loads what it needs and blocks on its control pipe (fd 3). A run that finds one writes its
// command, working directory and environment there; the supervisor becomes the subreaper and
// starts the script, exactly as the separate mode does, but without its interpreter start-up.
// The run's socket server (channel.ts) is made ahead with it, for the same reason.
//
// The editor keeps one ready after each run (src/ui/run/runner-backend.ts); a supervisor is
// keyed by what cannot change after it started: the interpreter, the stdio and the process group.
import { spawn, type ChildProcess } from 'child_process';
import type { Socket } from 'net';
import { AgentServer } from './channel';
import type { StdioTarget } from './session';

export interface WarmKey {
  python: string;
  stdio: [StdioTarget, StdioTarget, StdioTarget];
  detached: boolean;
}

/** What the supervisor needs to start the script (one JSON line on its control pipe). */
export interface WarmRun {
  cmd: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

const CONTROL_FD = 3;

export class WarmSupervisor {
  /** Resolves true once the supervisor has loaded and waits for a run; false if it died first. */
  readonly ready: Promise<boolean>;
  /**
   * The run's socket server, made ahead too (its directory, socket and token cost ~0.3 ms at
   * the start of a run). Rejects if it could not be made: the run then makes its own.
   */
  readonly server: Promise<AgentServer>;
  private taken = false;
  private serverTaken = false;

  constructor(
    readonly key: string,
    readonly child: ChildProcess,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.server = AgentServer.create(env);
    // While it waits, it must not keep the caller's process alive (see below).
    this.server.then((s) => s.setRef(false), () => undefined);
    const control = child.stdio[CONTROL_FD] as Socket | null;
    this.ready = new Promise((resolve) => {
      if (!control) return resolve(false);
      let seen = '';
      control.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.includes('ready\n')) resolve(true);
      });
      control.on('error', () => resolve(false));
      child.once('exit', () => resolve(false));
      child.once('error', () => resolve(false));
    });
    for (const event of ['exit', 'error'] as const) {
      child.once(event, () => {
        if (!this.taken) this.releaseServer(); // died before a run took it
      });
    }
    // An idle supervisor must not keep the caller's process alive (the CLI, a test run); one
    // still starting does, so that awaiting `ready` works.
    void this.ready.then(() => {
      if (!this.taken) this.setRef(false);
    });
  }

  get alive(): boolean {
    return !this.taken && this.child.exitCode === null && this.child.signalCode === null && !this.child.killed;
  }

  /** The prepared server, for the run that took this supervisor (once). */
  takeServer(): Promise<AgentServer> | undefined {
    if (this.serverTaken) return undefined;
    this.serverTaken = true;
    return this.server.then((s) => {
      s.setRef(true);
      return s;
    });
  }

  /** Hands the run over: from now on the child is the run's supervisor. */
  start(run: WarmRun): ChildProcess {
    this.taken = true;
    this.setRef(true);
    const control = this.child.stdio[CONTROL_FD] as Socket;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(run.env)) if (v !== undefined) env[k] = v;
    control.end(JSON.stringify({ cmd: run.cmd, cwd: run.cwd, env }) + '\n');
    // The pipe is closed on the supervisor's side before the script starts; nothing more comes.
    control.on('error', () => undefined);
    return this.child;
  }

  dispose(): void {
    this.releaseServer();
    if (this.taken) return;
    this.taken = true;
    this.child.kill('SIGKILL');
    for (const s of this.child.stdio) (s as Socket | null)?.destroy();
  }

  private releaseServer(): void {
    if (this.serverTaken) return;
    this.serverTaken = true;
    this.server.then((s) => s.close(), () => undefined);
  }

  private setRef(on: boolean): void {
    if (on) this.child.ref();
    else this.child.unref();
    for (const s of this.child.stdio) {
      const sock = s as Socket | null;
      if (sock && typeof sock.ref === 'function') {
        if (on) sock.ref();
        else sock.unref();
      }
    }
  }
}

const ready = new Map<string, WarmSupervisor>();

export function warmKey(key: WarmKey): string {
  return JSON.stringify([key.python, key.stdio, key.detached]);
}

/**
 * Starts a supervisor for the next run with this key, unless one is ready already. `script` is
 * mpscope_supervisor.py (agentPaths.ts). Only one is kept per key, and a few keys at most: the
 * oldest is dropped.
 */
export function prewarmSupervisor(key: WarmKey, script: string, env: NodeJS.ProcessEnv = process.env): WarmSupervisor {
  const k = warmKey(key);
  const existing = ready.get(k);
  if (existing?.alive) return existing;
  existing?.dispose();
  ready.delete(k);
  while (ready.size >= 2) {
    const [oldest] = ready.keys();
    ready.get(oldest)?.dispose();
    ready.delete(oldest);
  }
  const child = spawn(key.python, ['-S', '-E', '-s', script, '--warm'], {
    // Its own directory is never the run's: it changes into the run's cwd when the run comes.
    cwd: '/',
    env,
    stdio: [...key.stdio, 'pipe'],
    detached: key.detached,
  });
  const warm = new WarmSupervisor(k, child, env);
  child.on('error', () => undefined); // a missing interpreter: the run starts cold and says so
  child.once('exit', () => {
    if (ready.get(k) === warm) ready.delete(k);
  });
  ready.set(k, warm);
  return warm;
}

/** The ready supervisor for this key, taken out of the pool; undefined when there is none. */
export function takeWarmSupervisor(key: WarmKey): WarmSupervisor | undefined {
  const k = warmKey(key);
  const warm = ready.get(k);
  ready.delete(k);
  return warm?.alive ? warm : undefined;
}

/** Stops every idle warm supervisor (the extension deactivates, a test ends). */
export function disposeWarmSupervisors(): void {
  for (const warm of ready.values()) warm.dispose();
  ready.clear();
}
