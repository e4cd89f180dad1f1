// What keeps a parent from collecting an exited child that is not the program's doing: the
// parent being stopped (SIGSTOP, Ctrl-Z, a debugger) and the parent waiting for a CPU on a
// starved machine (seen at load average 80). The zombie rule judges a parent on the time it
// could run: wall time alone would blame a program for the machine it ran on.
//
// Recorded while the run lasts:
// - stopped intervals, from the supervisor's /proc states (T, t) of every process of the run;
// - CPU starvation, from the kernel's per-thread run-queue wait (/proc/PID/task/TID/schedstat,
//   second field, ns), read from the parent when a child it has not collected has been dead for
//   BASELINE_DELAY_MS, and again when the runner learns that the child was collected. The
//   largest growth among the parent's threads counts: the thread that reaps (a Pool's handler
//   thread, or the main thread) may itself wait for a CPU, or wait for the interpreter lock held
//   by a thread that does. Not at once when the child dies: nearly every child is collected
//   within a few milliseconds, and reading /proc for each (twice, on every thread of the
//   parent) took the runner's CPU while the program still needed it. What the first reading
//   misses (at most that delay, far below any zombie threshold) errs towards blaming the
//   program; the delay by which that reading comes late counts as waiting for a CPU (the runner
//   itself could not run).
import * as fs from 'fs';
import type { ProcessRecord } from '../model';
import type { Session } from '../session';

export type Interval = [number, number];

/** What the zombie rule subtracts (plain data, so that rules can be checked on made-up runs). */
export interface ParentPauses {
  /** pid -> intervals (epoch ms) during which that process was stopped. */
  stopped: Map<number, Interval[]>;
  /** child -> ms its reaper spent waiting for a CPU while the child was dead, not collected. */
  starvedMs: Map<ProcessRecord, number>;
}

/** Per-thread run-queue wait of a process in ns (tid -> ns), or null where /proc cannot tell. */
export function readRunDelays(pid: number): Map<number, number> | null {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  const out = new Map<number, number>();
  for (const tid of tids) {
    try {
      const fields = fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ');
      const ns = Number(fields[1]);
      if (Number.isFinite(ns)) out.set(Number(tid), ns);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out.size > 0 ? out : null;
}

/** The largest growth of any thread's run-queue wait between two readings, in ms. */
export function starvationMs(before: Map<number, number>, after: Map<number, number>): number {
  let worst = 0;
  for (const [tid, ns] of after) {
    // A thread started in between waited all of its wait in between.
    const grew = ns - (before.get(tid) ?? 0);
    if (grew > worst) worst = grew;
  }
  return worst / 1e6;
}

const STOPPED_STATES = new Set(['T', 't']);

/** Earliest sign that a process has really died: never its own exit message, which it sends
 *  before the interpreter has finished (a slow exit on a loaded machine is not a zombie). */
export function deathTime(p: ProcessRecord): number | null {
  const disconnected = p.agentFailed ? null : p.disconnectedAt;
  let t: number | null = null;
  for (const x of [disconnected, p.zombieSince, p.reapedAt, p.goneAt]) {
    if (x !== null && (t === null || x < t)) t = x;
  }
  return t;
}

/** How long a child may be dead and not collected before its parent's CPU waits are read. */
export const BASELINE_DELAY_MS = 20;

export class PauseRecorder {
  private readonly stoppedSince = new Map<number, number>();
  private readonly stopped = new Map<number, Interval[]>();
  private readonly starved = new Map<ProcessRecord, number>();
  /** child -> its reaper's pid, run-queue waits when first read, and how late that reading was. */
  private readonly baselines = new Map<ProcessRecord, { reaper: number; delays: Map<number, number>; lateMs: number }>();
  /** child -> the timer that will take its baseline. */
  private readonly pending = new Map<ProcessRecord, NodeJS.Timeout>();
  private readonly done = new WeakSet<ProcessRecord>();

  constructor(
    private readonly read: (pid: number) => Map<number, number> | null = readRunDelays,
    private readonly baselineDelayMs = BASELINE_DELAY_MS,
  ) {}

  attach(session: Session): void {
    session.onMessage('sup_proc', (msg) => this.onState(msg.pid, msg.state, msg.ts));
    session.onMessage('sup_gone', (msg) => this.onState(msg.pid, 'X', msg.ts));
    session.on('process', (p: ProcessRecord) => this.onProcess(p));
  }

  /** A /proc state of a process (from the supervisor's scans). */
  onState(pid: number, state: string, ts: number): void {
    const since = this.stoppedSince.get(pid);
    if (STOPPED_STATES.has(state)) {
      if (since === undefined) this.stoppedSince.set(pid, ts);
    } else if (since !== undefined) {
      this.stoppedSince.delete(pid);
      this.addStopped(pid, [since, ts]);
    }
  }

  /** A process record changed: sample its reaper when it has died, and when it was collected. */
  onProcess(p: ProcessRecord): void {
    if (this.done.has(p)) return;
    if (p.osPpid === null) return;
    if (p.reapedAt !== null || p.goneAt !== null) {
      this.done.add(p);
      clearTimeout(this.pending.get(p));
      this.pending.delete(p);
      const base = this.baselines.get(p);
      this.baselines.delete(p);
      const after = base ? this.read(base.reaper) : null;
      if (base && after) this.starved.set(p, starvationMs(base.delays, after) + base.lateMs);
      return;
    }
    const died = deathTime(p);
    if (died === null || this.baselines.has(p) || this.pending.has(p)) return;
    const timer = setTimeout(() => {
      this.pending.delete(p);
      const reaper = p.osPpid;
      if (this.done.has(p) || reaper === null || p.reapedAt !== null || p.goneAt !== null) return;
      const delays = this.read(reaper);
      if (delays) this.baselines.set(p, { reaper, delays, lateMs: Math.max(0, Date.now() - died - this.baselineDelayMs) });
    }, this.baselineDelayMs);
    timer.unref();
    this.pending.set(p, timer);
  }

  /** Stops the readings still to come (the run has ended). */
  dispose(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }

  /** The pauses recorded so far; stops still going on count until `now`. */
  result(now: number): ParentPauses {
    const stopped = new Map<number, Interval[]>();
    for (const [pid, list] of this.stopped) stopped.set(pid, [...list]);
    for (const [pid, since] of this.stoppedSince) stopped.set(pid, [...(stopped.get(pid) ?? []), [since, now]]);
    return { stopped, starvedMs: new Map(this.starved) };
  }

  private addStopped(pid: number, iv: Interval): void {
    const list = this.stopped.get(pid) ?? [];
    list.push(iv);
    this.stopped.set(pid, list);
  }
}
