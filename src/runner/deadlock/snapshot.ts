// Builds the analysis snapshot (model.ts) of a running session: the process model of the runner
// (names, alive or not, helpers, exit statuses, terminate/kill calls) joined with the agents'
// state files (waits, held primitives) and, when confirming, their stack dumps; plus the
// processes still starting and when the set of processes last changed (arrivals.ts).
import type { ProcessRecord, RunModel } from '../model';
import { processSetChangedAt, stillStarting } from './arrivals';
import { asLoc, type ProcessState, type StateFiles } from './stateFile';
import { mayBeStale, type Frame, type HeldPrim, type Loc, type PrimInfo, type ProcSnap, type Snapshot, type ThreadSnap, type Wait, type WaitOp } from './model';

/** A dump_stacks reply (stacks.py), as far as the analysis reads it. */
export interface DumpReply {
  threads: unknown[];
  held?: unknown[] | null;
  userThreads?: number | null;
}

/** Stable labels ("Lock#1", "Queue#2") for the whole run, numbered in order of first sight. */
export class PrimLabels {
  private readonly byId = new Map<string, PrimInfo>();
  private readonly counters = new Map<string, number>();

  get(id: string): PrimInfo | undefined {
    return this.byId.get(id);
  }

  /** Records a primitive (its kind may be refined later: a Condition's lock is relabelled). */
  see(id: string, kind: string, created?: Loc | null, pipe = false): PrimInfo {
    let info = this.byId.get(id);
    if (info && info.kind === 'RLock' && kind === 'Condition') {
      // The RLock a Condition made for itself, seen before it was relabelled: name it anew.
      info = undefined;
    }
    if (!info) {
      const family = id.startsWith('mgr:') ? `Manager ${kind}` : pipe ? 'Pipe' : kind;
      const n = (this.counters.get(family) ?? 0) + 1;
      this.counters.set(family, n);
      info = { id, kind, label: `${family}#${n}`, created: created ?? null };
      this.byId.set(id, info);
    } else if (!info.created && created) {
      info.created = created;
    }
    return info;
  }

  /** Both ends of one Pipe() get the pipe's label. */
  pair(a: string, b: string, created?: Loc | null): void {
    const known = this.byId.get(a) ?? this.byId.get(b);
    const info = known ?? this.see(a, 'Connection', created, true);
    info.pipe = true;
    for (const id of [a, b]) if (!this.byId.has(id)) this.byId.set(id, { ...info, id });
  }

  all(): Map<string, PrimInfo> {
    return this.byId;
  }
}

const LABELS = new WeakMap<object, PrimLabels>();

/** The labels of one session (the detector and "Dump stacks" name primitives alike). */
export function labelsFor(session: object): PrimLabels {
  let l = LABELS.get(session);
  if (!l) {
    l = new PrimLabels();
    LABELS.set(session, l);
  }
  return l;
}

/** Alive: no sign yet that it ended (socket closed, exit message, zombie, reaped, gone). */
export function isAlive(model: RunModel, p: ProcessRecord): boolean {
  return model.exitTime(p) === null;
}

export function buildSnapshot(
  model: RunModel,
  files: StateFiles,
  labels: PrimLabels,
  dumps: Map<number, DumpReply | null> = new Map(),
  now = Date.now(),
): Snapshot {
  const all = model.all();
  const records = all.filter((p) => p.python);
  // Exited processes first: their files are final (read once, cached), and their journals must
  // be complete before anything else reads them.
  const alive = new Map(records.map((p) => [p.pid, isAlive(model, p)]));
  const states = new Map(records.map((p) => [p.pid, alive.get(p.pid) ? null : files.readFinal(p.pid)]));
  // Journal facts first, so that every primitive has its label.
  const facts = files.facts(records.map((p) => p.pid));
  const alive_ = (pid: number) => alive.get(pid) === true;
  const pipeEnds = new Set<string>();
  for (const p of facts.pipes) {
    pipeEnds.add(p.a);
    pipeEnds.add(p.b);
  }
  for (const p of facts.pipes) labels.pair(p.a, p.b, p.site);
  for (const p of facts.prims) labels.see(p.id, p.kind, p.site ?? null, pipeEnds.has(p.id));
  for (const id of facts.signals) {
    const info = labels.get(id);
    if (info) info.signal = true;
  }

  const processes: ProcSnap[] = [];
  for (const rec of records) {
    const alive = alive_(rec.pid);
    const state = alive ? files.read(rec.pid) : states.get(rec.pid) ?? null;
    const dump = alive ? dumps.get(rec.pid) : undefined;
    const threads: ThreadSnap[] = [];
    let held: HeldPrim[] = state ? heldFromState(state) : [];
    let complete = false;
    let userThreads = state ? state.userThreads : 1;
    if (dump) {
      complete = true;
      for (const raw of dump.threads) {
        const t = threadFromDump(raw);
        if (t) threads.push(t);
      }
      if (Array.isArray(dump.held)) held = heldFromDump(dump.held, held);
      if (typeof dump.userThreads === 'number') userThreads = dump.userThreads;
    } else if (state) {
      for (const w of state.waits) {
        threads.push({
          tid: w.tid,
          name: w.thread,
          helper: w.helper,
          main: w.thread === 'MainThread',
          wait: { op: w.op, prim: w.prim, since: w.since, site: w.site, target: w.target },
        });
      }
    }
    for (const t of threads) if (t.wait?.prim) labels.see(t.wait.prim.id, t.wait.prim.kind, null, pipeEnds.has(t.wait.prim.id));
    for (const h of held) labels.see(h.id, h.kind);
    const control = [...rec.controls].reverse().find((c) => c.op === 'terminate' || c.op === 'kill');
    processes.push({
      pid: rec.pid,
      name: rec.name ?? (rec.role === 'main' ? 'MainProcess' : `pid ${rec.pid}`),
      alive,
      helper: rec.role === 'helper',
      helperKind: rec.helper,
      parent: rec.startedBy ?? rec.osPpid,
      userThreads,
      threads,
      complete,
      held,
      exit: alive
        ? null
        : {
            code: rec.exitCode,
            signal: rec.signal,
            control: control ? { op: control.op, by: control.by, site: control.site ?? null } : null,
          },
    });
  }
  // Processes still starting may wake anybody: they are in the snapshot as running.
  for (const rec of all) if (stillStarting(model, rec, now)) processes.push(startingProcess(rec));
  return { now, processes, prims: labels.all(), processesChangedAt: processSetChangedAt(model) };
}

/** A process whose agent has not connected yet: alive, nothing known about its threads. */
function startingProcess(rec: ProcessRecord): ProcSnap {
  return {
    pid: rec.pid,
    name: rec.name ?? `pid ${rec.pid}`,
    alive: true,
    helper: false,
    parent: rec.startedBy ?? rec.osPpid,
    userThreads: 1,
    threads: [],
    complete: false,
    held: [],
    exit: null,
    starting: true,
  };
}

/**
 * The held records of a state file. Those of a Lock/RLock are "maybe" (model.ts HeldPrim.maybe)
 * unless the process cannot have released one unseen since: it passed its exit point, or every
 * thread of it waits (each wait began by clearing the records of released locks).
 */
export function heldFromState(state: ProcessState): HeldPrim[] {
  const waiting = state.waits.filter((w) => !w.helper).length;
  const exact = state.exited || waiting >= Math.max(1, state.userThreads);
  return state.held.map((h) => (mayBeStale(h.kind) && !exact ? { ...h, maybe: true } : { ...h }));
}

function threadFromDump(raw: unknown): ThreadSnap | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const o = raw as Record<string, unknown>;
  if (typeof o.id !== 'number') return null;
  const t: ThreadSnap = {
    tid: o.id,
    name: typeof o.thread === 'string' ? o.thread : `Thread-${o.id}`,
    helper: o.helper === true,
    main: o.main === true,
    wait: waitFromDump(o.wait),
    frames: Array.isArray(o.frames) ? o.frames.map(frameFromDump).filter((f): f is Frame => f !== null) : [],
  };
  if (Array.isArray(o.held)) t.held = o.held.filter((x): x is string => typeof x === 'string');
  if (typeof o.localWait === 'object' && o.localWait !== null) {
    const lw = o.localWait as Record<string, unknown>;
    t.localWait = { what: String(lw.what ?? 'threading primitive'), site: asLoc(lw.site) };
  }
  return t;
}

function waitFromDump(raw: unknown): Wait | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const o = raw as Record<string, unknown>;
  const prim = o.prim as Record<string, unknown> | null | undefined;
  return {
    op: String(o.op) as WaitOp,
    prim: prim && typeof prim.id === 'string' ? { id: prim.id, kind: String(prim.kind ?? 'Lock') } : null,
    since: typeof o.since === 'number' ? o.since : 0,
    site: asLoc(o.site),
    target: typeof o.target === 'number' ? o.target : null,
  };
}

function frameFromDump(raw: unknown): Frame | null {
  const l = asLoc(raw);
  if (!l) return null;
  return { ...l, user: (raw as Record<string, unknown>).user === true };
}

function heldFromDump(raw: unknown[], fromState: HeldPrim[]): HeldPrim[] {
  const out: HeldPrim[] = [];
  for (const r of raw) {
    if (typeof r !== 'object' || r === null) continue;
    const o = r as Record<string, unknown>;
    if (typeof o.id !== 'string') continue;
    const site = asLoc(o.site) ?? fromState.find((h) => h.id === o.id)?.site ?? null;
    out.push({ id: o.id, kind: String(o.kind ?? 'Lock'), site });
  }
  return out;
}
