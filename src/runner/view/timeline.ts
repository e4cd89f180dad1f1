// The timeline of a run as the report webview draws it: one lane per process, from its start to
// its exit (or to the end of the report while it is alive), marked where it blocked and on what,
// and where its findings happened.
import { type ReportModel, type SourceLocation, type ViewProcess, processName, signalName } from './model';
import { formatLocation } from './graph';

export type MarkKind = 'blocked' | 'exception' | 'finding';

export interface TimelineMark {
  kind: MarkKind;
  /** Where on the lane, ms from the run start. */
  atMs: number;
  /** Short text next to the mark: "waits for Lock#1". */
  label: string;
  /** Longer text for a tooltip. */
  detail: string;
  /** Part of an active deadlock. */
  deadlock: boolean;
  location?: SourceLocation;
}

export interface TimelineLane {
  pid: number;
  name: string;
  /** Depth in the process tree (0 for the main process), for indentation. */
  depth: number;
  /** "started at worker.py:12" or ''. */
  startedAt: string;
  startMs: number;
  endMs: number;
  /** Still running when the report was made. */
  alive: boolean;
  /** "exit 0", "exit 1", "SIGTERM", "running". */
  outcome: string;
  /** A bad ending: a non-zero exit code (an exception, sys.exit(1)). */
  failed: boolean;
  /** Ended by a signal (terminated, killed, or stopped by mpscope). */
  killed: boolean;
  helper: boolean;
  location?: SourceLocation;
  marks: TimelineMark[];
}

export interface TimelineModel {
  durationMs: number;
  lanes: TimelineLane[];
  /** Tick positions in ms for the axis. */
  ticks: number[];
}

/** Processes in tree order: each parent followed by its children, siblings by start time. */
function treeOrder(processes: ViewProcess[]): Array<{ p: ViewProcess; depth: number }> {
  const pids = new Set(processes.map((p) => p.pid));
  const children = new Map<number | undefined, ViewProcess[]>();
  for (const p of processes) {
    const parent = p.ppid !== undefined && pids.has(p.ppid) && p.ppid !== p.pid ? p.ppid : undefined;
    const list = children.get(parent) ?? [];
    list.push(p);
    children.set(parent, list);
  }
  const byStart = (a: ViewProcess, b: ViewProcess) =>
    Number(b.main ?? false) - Number(a.main ?? false) ||
    (a.startMs ?? 0) - (b.startMs ?? 0) ||
    a.pid - b.pid;
  const out: Array<{ p: ViewProcess; depth: number }> = [];
  const visited = new Set<number>();
  const visit = (p: ViewProcess, depth: number) => {
    if (visited.has(p.pid)) return;
    visited.add(p.pid);
    out.push({ p, depth });
    for (const c of (children.get(p.pid) ?? []).sort(byStart)) visit(c, depth + 1);
  };
  for (const root of (children.get(undefined) ?? []).sort(byStart)) visit(root, 0);
  // A ppid cycle (pid reuse in a bad report) must not hide processes.
  for (const p of processes) visit(p, 0);
  return out;
}

/** Round tick steps (1, 2, 5 × 10^n ms) giving about `target` ticks over the duration. */
export function niceTicks(durationMs: number, target = 6): number[] {
  if (!(durationMs > 0)) return [0];
  const raw = durationMs / target;
  const pow = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const ticks: number[] = [];
  for (let t = 0; t <= durationMs + 1e-9; t += step) ticks.push(Math.round(t * 1000) / 1000);
  return ticks;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1).replace(/\.?0+$/, '')} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function buildTimeline(model: ReportModel, options: { includeHelpers?: boolean } = {}): TimelineModel {
  const procs = model.processes.filter((p) => options.includeHelpers || !p.helper);
  const latest = Math.max(0, ...procs.map((p) => p.endMs ?? p.startMs ?? 0));
  const durationMs = Math.max(model.durationMs, latest, 1);
  const lanes: TimelineLane[] = treeOrder(procs).map(({ p, depth }) => {
    const alive = p.endMs === undefined && (p.exitCode === undefined || p.exitCode === null) && !p.signal;
    const endMs = Math.min(durationMs, p.endMs ?? durationMs);
    const outcome = alive
      ? 'running'
      : p.signal
        ? p.signal
        : p.exitCode !== undefined && p.exitCode !== null
          ? p.exitCode < 0
            ? signalName(-p.exitCode)
            : `exit ${p.exitCode}`
          : 'exited';
    return {
      pid: p.pid,
      name: p.name,
      depth,
      startedAt: p.startSite ? `started at ${formatLocation(p.startSite)}` : '',
      startMs: Math.min(p.startMs ?? 0, endMs),
      endMs,
      alive,
      outcome,
      failed: !alive && !p.signal && typeof p.exitCode === 'number' && p.exitCode > 0,
      killed: !alive && (Boolean(p.signal) || (typeof p.exitCode === 'number' && p.exitCode < 0)),
      helper: Boolean(p.helper),
      location: p.startSite,
      marks: [],
    };
  });
  const laneOf = new Map(lanes.map((l) => [l.pid, l]));

  for (const f of model.findings) {
    for (const w of f.waits) {
      const lane = laneOf.get(w.pid);
      if (!lane) continue;
      const holders = w.holders.map((h) => `${processName(model, h.pid)}${h.dead ? ' (exited)' : ''}`);
      const at = clamp(w.sinceMs ?? lane.endMs, lane.startMs, lane.endMs);
      lane.marks.push({
        kind: 'blocked',
        atMs: at,
        label: `waits for ${w.primitive.label}`,
        detail:
          `${processName(model, w.pid)} waits for ${w.primitive.label}` +
          (holders.length > 0 ? `, held by ${holders.join(' and ')}` : '') +
          (w.site ? ` at ${formatLocation(w.site)}` : ''),
        deadlock: f.kind === 'deadlock',
        location: w.site,
      });
    }
    if (f.waits.length > 0) continue;
    // Other findings: one mark per process involved, at the location in that process's code.
    for (const pid of f.pids) {
      const lane = laneOf.get(pid);
      if (!lane) continue;
      const loc = f.locations.find((l) => l.pid === pid) ?? f.locations.find((l) => l.pid === undefined);
      const exception = f.kind === 'child-exception';
      lane.marks.push({
        kind: exception ? 'exception' : 'finding',
        atMs: exception ? lane.endMs : lane.startMs,
        label: f.kind,
        detail: f.message,
        deadlock: false,
        location: loc,
      });
    }
  }
  for (const lane of lanes) lane.marks.sort((a, b) => a.atMs - b.atMs);
  return { durationMs, lanes, ticks: niceTicks(durationMs) };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
