// The run report as the editor views read it: one normalised, defensive shape built from the
// report JSON of the runner (issue 4's contract plus the deadlock details of issue 5). Every view
// (diagnostics, decorations, the Findings tree, the report webview) reads this model, so that a
// change in the runner's report format is absorbed in one place: normalizeReport().
//
// No `vscode` import here: this runs in unit tests, in the extension host and (types only) in
// the webview.

/** A line of source in the user's code. `line` is 1-based, as in the report. */
export interface SourceLocation {
  file: string;
  line: number;
  /** The process whose code this is, when known. */
  pid?: number;
  /** What happens there: "start", "waits", "acquired", "traceback", "join", ... */
  role?: string;
  /** The function name, when the report gives one (stack frames). */
  func?: string;
}

export interface ViewProcess {
  pid: number;
  ppid?: number;
  /** multiprocessing name ("Process-1", "SpawnPoolWorker-2", "MainProcess"). */
  name: string;
  /** Where it was started in the user's code. */
  startSite?: SourceLocation;
  /** Milliseconds from the start of the run. */
  startMs?: number;
  /** Milliseconds from the start of the run; undefined while alive. */
  endMs?: number;
  exitCode?: number | null;
  signal?: string | null;
  daemon?: boolean;
  joined?: boolean;
  /** A multiprocessing helper (resource tracker, forkserver, manager server). */
  helper?: boolean;
  /** True for the script's own process. */
  main?: boolean;
}

/** One frame of a stack; `user` marks frames in the user's code (not stdlib). */
export interface StackFrame {
  file: string;
  line: number;
  func?: string;
  user?: boolean;
}

export interface ThreadStack {
  thread: string;
  frames: StackFrame[];
}

/** A synchronisation primitive, with an identity that holds across processes. */
export interface Primitive {
  id: string;
  /** "Lock", "RLock", "Semaphore", "Queue", "Event", "Process" (join), ... */
  kind: string;
  /** Human name, e.g. "Lock#1". */
  label: string;
}

/** Who holds a primitive, and where they acquired it. */
export interface Holder {
  pid: number;
  site?: SourceLocation;
  /** The holder exited while holding it. */
  dead?: boolean;
}

/** A process (thread) blocked on a primitive. */
export interface Wait {
  pid: number;
  thread?: string;
  primitive: Primitive;
  /** The innermost user-code frame where it waits. */
  site?: SourceLocation;
  holders: Holder[];
  /** When the wait began, ms from the start of the run. */
  sinceMs?: number;
  /** For a join: the process waited for. */
  targetPid?: number;
  /** The operation: "lock", "queue-get", "process-join", ... */
  op?: string;
}

export type Severity = 'error' | 'warning' | 'info';

export interface ViewFinding {
  /** Stable within a report: kind + index. */
  id: string;
  kind: string;
  severity: Severity;
  message: string;
  pids: number[];
  locations: SourceLocation[];
  /** Deadlock details: who waits on what, held by whom. Empty for other kinds. */
  waits: Wait[];
  /** The pids in the wait-for cycle, in order, when the runner names one. */
  cycle: number[];
  /** Stacks of the involved processes, by pid. */
  stacks: Map<number, ThreadStack[]>;
  /** Why the waits can never end, when a documented hazard explains it (deadlock details). */
  hazard?: string;
}

export interface ReportModel {
  script: string;
  /** The Python interpreter the run used (the report's `python`). */
  python?: string;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  processes: ViewProcess[];
  findings: ViewFinding[];
}

// ---------------------------------------------------------------------------------------------
// Normalisation: the raw JSON is untrusted input (a report file, an agent message); nothing in
// it may crash a view. Unknown fields are ignored, missing ones left undefined.

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const asNumber = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
const asBool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);

/** The first field among `names` that is present (the runner's naming is not settled yet). */
function pick(o: Json, ...names: string[]): unknown {
  for (const n of names) if (o[n] !== undefined && o[n] !== null) return o[n];
  return undefined;
}

export function normalizeLocation(raw: unknown): SourceLocation | undefined {
  if (!isObject(raw)) return undefined;
  const file = asString(pick(raw, 'file', 'filename', 'path'));
  const line = asNumber(pick(raw, 'line', 'lineno'));
  if (!file || line === undefined || line < 1) return undefined;
  const loc: SourceLocation = { file, line: Math.floor(line) };
  const pid = asNumber(raw.pid);
  if (pid !== undefined) loc.pid = pid;
  const role = asString(raw.role);
  if (role) loc.role = role;
  const func = asString(pick(raw, 'func', 'function', 'name'));
  if (func) loc.func = func;
  return loc;
}

function normalizeSeverity(v: unknown): Severity {
  return v === 'error' || v === 'warning' ? v : 'info';
}

/**
 * Times in the report may be epoch seconds, epoch milliseconds or offsets from the run start;
 * the views want offsets in ms. `origin` is the run start in epoch ms when known.
 */
function toOffsetMs(v: unknown, origin: number | undefined): number | undefined {
  const n = asNumber(v);
  if (n === undefined) return undefined;
  let ms = n;
  if (n > 1e12) ms = n; // epoch ms
  else if (n > 1e9) ms = n * 1000; // epoch seconds
  else return n; // already an offset
  return origin !== undefined ? Math.max(0, ms - origin) : undefined;
}

function epochMs(v: unknown): number | undefined {
  const n = asNumber(v);
  if (n === undefined) return undefined;
  if (n > 1e12) return n;
  if (n > 1e9) return n * 1000;
  return undefined;
}

function normalizeStackFrames(raw: unknown): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const f of asArray(raw)) {
    const loc = normalizeLocation(f);
    if (!loc) continue;
    const frame: StackFrame = { file: loc.file, line: loc.line };
    if (loc.func) frame.func = loc.func;
    const user = asBool(isObject(f) ? pick(f, 'user', 'isUser', 'userCode') : undefined);
    if (user !== undefined) frame.user = user;
    frames.push(frame);
  }
  return frames;
}

/** Stacks come as `{pid: [{thread, frames}]}` or `[{pid, threads:[...]}]`. */
function normalizeStacks(raw: unknown): Map<number, ThreadStack[]> {
  const out = new Map<number, ThreadStack[]>();
  const addThreads = (pid: number, threads: unknown) => {
    const list: ThreadStack[] = [];
    for (const t of asArray(threads)) {
      if (!isObject(t)) continue;
      list.push({
        thread: asString(pick(t, 'thread', 'name', 'threadName')) ?? 'MainThread',
        frames: normalizeStackFrames(pick(t, 'frames', 'stack')),
      });
    }
    if (list.length > 0) out.set(pid, list);
  };
  if (Array.isArray(raw)) {
    for (const s of raw) {
      if (!isObject(s)) continue;
      const pid = asNumber(s.pid);
      if (pid !== undefined) addThreads(pid, pick(s, 'threads', 'stacks'));
    }
  } else if (isObject(raw)) {
    for (const [key, threads] of Object.entries(raw)) {
      const pid = Number(key);
      if (Number.isInteger(pid)) addThreads(pid, threads);
    }
  }
  return out;
}

function normalizePrimitive(raw: unknown, fallbackId: string): Primitive {
  if (typeof raw === 'string') return { id: raw, kind: raw.replace(/#.*$/, ''), label: raw };
  const o = isObject(raw) ? raw : {};
  const kind = asString(pick(o, 'kind', 'type')) ?? 'Lock';
  const id = String(pick(o, 'id', 'key', 'name', 'label') ?? fallbackId);
  const label = asString(pick(o, 'label', 'name')) ?? (id.includes('#') ? id : `${kind}#${id}`);
  return { id, kind, label };
}

function normalizeWaits(raw: unknown, origin: number | undefined, findingId: string): Wait[] {
  const waits: Wait[] = [];
  asArray(raw).forEach((w, i) => {
    if (!isObject(w)) return;
    const pid = asNumber(w.pid);
    if (pid === undefined) return;
    const primitive = normalizePrimitive(
      pick(w, 'primitive', 'object', 'on', 'resource'),
      `${findingId}:p${i}`,
    );
    const holders: Holder[] = [];
    const rawHolders = pick(w, 'holders', 'heldBy', 'held_by', 'holder');
    for (const h of Array.isArray(rawHolders) ? rawHolders : rawHolders ? [rawHolders] : []) {
      if (typeof h === 'number') {
        holders.push({ pid: h });
        continue;
      }
      if (!isObject(h)) continue;
      const hp = asNumber(h.pid);
      if (hp === undefined) continue;
      const holder: Holder = { pid: hp };
      const site = normalizeLocation(pick(h, 'site', 'location', 'acquiredAt', 'acquired'));
      if (site) holder.site = { ...site, pid: hp, role: site.role ?? 'acquired' };
      const dead = asBool(pick(h, 'dead', 'exited'));
      if (dead !== undefined) holder.dead = dead;
      holders.push(holder);
    }
    const wait: Wait = { pid, primitive, holders };
    const thread = asString(pick(w, 'thread', 'threadName'));
    if (thread) wait.thread = thread;
    const site = normalizeLocation(pick(w, 'site', 'location', 'at'));
    if (site) wait.site = { ...site, pid, role: site.role ?? 'waits' };
    const since = toOffsetMs(pick(w, 'sinceMs', 'since', 'startedAt', 'time'), origin);
    if (since !== undefined) wait.sinceMs = since;
    const op = asString(w.op);
    if (op) wait.op = op;
    const target = asNumber(w.target);
    if (target !== undefined && (op === 'process-join' || primitive.kind === 'Process')) wait.targetPid = target;
    waits.push(wait);
  });
  return waits;
}

function normalizeProcess(raw: unknown, origin: number | undefined): ViewProcess | undefined {
  if (!isObject(raw)) return undefined;
  const pid = asNumber(raw.pid);
  if (pid === undefined) return undefined;
  const p: ViewProcess = { pid, name: asString(pick(raw, 'name', 'mpName')) ?? `pid ${pid}` };
  const ppid = asNumber(raw.ppid);
  if (ppid !== undefined) p.ppid = ppid;
  const site = normalizeLocation(pick(raw, 'startSite', 'start_site', 'startedAt', 'site'));
  if (site) p.startSite = { ...site, role: site.role ?? 'start' };
  const start = toOffsetMs(pick(raw, 'startMs', 'startTime', 'start', 'started'), origin);
  if (start !== undefined) p.startMs = start;
  const end = toOffsetMs(pick(raw, 'endMs', 'endTime', 'end', 'ended', 'exitTime'), origin);
  if (end !== undefined) p.endMs = end;
  const exitCode = pick(raw, 'exitCode', 'exitcode');
  if (typeof exitCode === 'number' || exitCode === null) p.exitCode = exitCode as number | null;
  else if (raw.exitCode === null) p.exitCode = null;
  const signal = asString(raw.signal);
  if (signal) p.signal = signal;
  for (const key of ['daemon', 'joined', 'helper', 'main'] as const) {
    const v = asBool(raw[key]);
    if (v !== undefined) p[key] = v;
  }
  const role = asString(raw.role);
  if (role === 'main') p.main = true;
  if (role === 'helper') p.helper = true;
  return p;
}

/** The report JSON (runner contract, version 1) as the views' model. Never throws. */
export function normalizeReport(raw: unknown): ReportModel {
  const r = isObject(raw) ? raw : {};
  // Without a run start, epoch times are measured from the earliest process start.
  const origin =
    epochMs(pick(r, 'startedAt', 'startTime', 'start')) ??
    asArray(r.processes)
      .map((p) => (isObject(p) ? epochMs(pick(p, 'startMs', 'startTime', 'start', 'started')) : undefined))
      .filter((x): x is number => x !== undefined)
      .reduce<number | undefined>((a, b) => (a === undefined ? b : Math.min(a, b)), undefined);
  const processes: ViewProcess[] = [];
  for (const p of asArray(r.processes)) {
    const vp = normalizeProcess(p, origin);
    if (vp) processes.push(vp);
  }
  const findings: ViewFinding[] = [];
  const byKind = new Map<string, number>();
  for (const f of asArray(r.findings)) {
    if (!isObject(f)) continue;
    const kind = asString(f.kind) ?? 'unknown';
    const n = byKind.get(kind) ?? 0;
    byKind.set(kind, n + 1);
    const id = `${kind}#${n}`;
    const details = isObject(f.details) ? f.details : isObject(f.deadlock) ? f.deadlock : f;
    const locations: SourceLocation[] = [];
    for (const l of asArray(f.locations)) {
      const loc = normalizeLocation(l);
      if (loc) locations.push(loc);
    }
    findings.push({
      id,
      kind,
      severity: normalizeSeverity(f.severity),
      message: asString(f.message) ?? kind,
      pids: asArray(f.pids).filter((x): x is number => typeof x === 'number'),
      locations,
      waits: normalizeWaits(pick(details, 'waits', 'edges', 'waiting'), origin, id),
      cycle: asArray(pick(details, 'cycle', 'cyclePids')).filter(
        (x): x is number => typeof x === 'number',
      ),
      stacks: normalizeStacks(pick(details, 'stacks', 'threads')),
      hazard: asString(details.hazard) || undefined,
    });
  }
  const durationMs =
    asNumber(r.durationMs) ??
    Math.max(0, ...processes.map((p) => p.endMs ?? p.startMs ?? 0));
  const exitCode = asNumber(r.exitCode);
  return {
    script: asString(r.script) ?? '',
    python: asString(r.python) || undefined,
    exitCode: exitCode ?? null,
    signal: asString(r.signal) ?? null,
    durationMs,
    processes,
    findings,
  };
}

/** The display name of a process: "Process-2 (pid 4312)". */
export function processLabel(model: Pick<ReportModel, 'processes'>, pid: number): string {
  const p = model.processes.find((x) => x.pid === pid);
  return p && p.name !== `pid ${pid}` ? `${p.name} (pid ${pid})` : `pid ${pid}`;
}

/** The name alone ("Process-1"), or "pid N". */
export function processName(model: Pick<ReportModel, 'processes'>, pid: number): string {
  const p = model.processes.find((x) => x.pid === pid);
  return p && p.name !== `pid ${pid}` ? p.name : `pid ${pid}`;
}

/** Kinds in the order the Findings view and the report list them, with their titles. */
export const FINDING_KINDS: ReadonlyArray<{ kind: string; title: string; one: string }> = [
  { kind: 'deadlock', title: 'Deadlocks', one: 'deadlock' },
  { kind: 'potential-deadlock', title: 'Potential deadlocks', one: 'potential deadlock' },
  { kind: 'child-exception', title: 'Child exceptions', one: 'child exception' },
  { kind: 'unjoined', title: 'Unjoined children', one: 'unjoined child' },
  { kind: 'zombie', title: 'Zombies', one: 'zombie' },
  { kind: 'orphan', title: 'Orphans', one: 'orphan' },
  { kind: 'leaked-shm', title: 'Leaked shared memory', one: 'leaked shared memory block' },
];

export function kindTitle(kind: string): string {
  return FINDING_KINDS.find((k) => k.kind === kind)?.title ?? kind.replace(/-/g, ' ');
}

/** "1 deadlock", "2 deadlocks", "3 unjoined children". */
export function countKind(kind: string, n: number): string {
  const k = FINDING_KINDS.find((x) => x.kind === kind);
  if (!k) return `${n} ${kind.replace(/-/g, ' ')}`;
  return `${n} ${n === 1 ? k.one : k.title.toLowerCase()}`;
}

const SIGNAL_NAMES: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  6: 'SIGABRT',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
};

/** "SIGTERM" for 15 (multiprocessing reports a death by signal N as exit code -N). */
export function signalName(n: number): string {
  return SIGNAL_NAMES[n] ?? `signal ${n}`;
}

/** Findings grouped by kind, known kinds first in FINDING_KINDS order, then the rest by name. */
export function groupFindings(findings: ViewFinding[]): Array<{ kind: string; title: string; findings: ViewFinding[] }> {
  const groups = new Map<string, ViewFinding[]>();
  for (const f of findings) {
    const list = groups.get(f.kind) ?? [];
    list.push(f);
    groups.set(f.kind, list);
  }
  const order = (k: string) => {
    const i = FINDING_KINDS.findIndex((x) => x.kind === k);
    return i < 0 ? FINDING_KINDS.length : i;
  };
  return [...groups.keys()]
    .sort((a, b) => order(a) - order(b) || a.localeCompare(b))
    .map((kind) => ({ kind, title: kindTitle(kind), findings: groups.get(kind)! }));
}
