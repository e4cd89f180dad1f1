// The deadlock analysis on a snapshot (model.ts): which blocked threads can never proceed, and
// why. Pure: unit-tested with synthetic snapshots.
//
// The rule is a graph reduction, as in deadlock detection on resource-allocation graphs with
// multi-unit resources and "any of" waits. Start from the threads that run (or might: threads we
// know nothing about count as running). Then repeatedly mark a blocked thread as "can proceed"
// when something that can proceed could satisfy its wait:
//   lock (owned primitive)  one of its holders can proceed (a semaphore's holders: any of them);
//                           held only by exited processes: never; holder unknown: any thread.
//                           A Lock's or RLock's state-file record may be stale (model.ts
//                           HeldPrim.maybe); a mutex has one holder, so exact records win over
//                           maybe ones, and several maybe holders are candidates of which one
//                           holds it: options.uncertain says how such a wait is judged
//   process join            a thread of that process can proceed
//   thread join             that thread can proceed
//   everything else         (queue get/put, recv, Event, Condition.wait, Barrier, JoinableQueue
//                           join, Pool results, a semaphore used as a signal) any other thread
//                           of the run can proceed: only another thread could satisfy it
//   from outside the run    a connection that is not a Pipe() of the run (Listener/Client), a
//                           manager that no process of the run serves: never deadlocked
//   threading primitives    another thread of the same process can proceed
// A process still starting (its agent not connected yet: ProcSnap.starting) is one we know
// nothing about: it counts as running, so it can satisfy any wait but a lock it does not hold.
// What is left blocked is deadlocked. Then it is explained: cycles of "waits for" edges (lock
// holders, join targets) are jstack-style cycles; waits on locks held only by exited processes
// are dead-holder deadlocks; the rest is "everybody waits and nobody can wake them".
import { isMutex, isOwned, threadKey, type HeldPrim, type Loc, type ProcSnap, type Snapshot, type ThreadSnap, type Wait } from './model';

export interface Blocked {
  proc: ProcSnap;
  thread: ThreadSnap;
}

export interface Holder {
  pid: number;
  /** The holding thread when known (its wait record lists the primitive); null: some thread of pid. */
  tid: number | null;
  dead: boolean;
  site: Loc | null;
  /** One of several candidates (stale records): this process may have released it since. */
  maybe: boolean;
}

export interface AnalyzeOptions {
  /**
   * A wait on a mutex whose holder is one of several candidates (stale records), judged
   * 'any' (default): it can proceed when one of them can. Only certain deadlocks remain: what is
   *        reported, after the stack dumps made the records of live processes exact.
   * 'all': only when every candidate can. A superset of the real deadlocks: the candidates the
   *        detector confirms with stack dumps (a stale record on a running process must not
   *        hide a holder that has died or is blocked).
   */
  uncertain?: 'any' | 'all';
}

export type Group =
  /** Threads waiting for each other in a cycle (in order: each waits for the next). */
  | { type: 'cycle'; members: Blocked[]; dependents: Blocked[] }
  /** Threads waiting for a primitive that only exited processes held. */
  | { type: 'dead-holder'; primId: string; holders: Holder[]; members: Blocked[]; dependents: Blocked[] }
  /** Every remaining blocked thread: each waits for something only another (blocked) thread could do. */
  | { type: 'everybody'; members: Blocked[]; dependents: Blocked[] };

export interface Analysis {
  deadlocked: Blocked[];
  groups: Group[];
  holders(primId: string): Holder[];
  /**
   * Since when it has been a deadlock (epoch ms): the latest start among the deadlocked waits,
   * or the last change in the run's set of processes (Snapshot.processesChangedAt) if later.
   */
  formedAt: number | null;
}

const isBlocked = (t: ThreadSnap): boolean => !!t.wait || !!t.localWait;

export function analyze(snap: Snapshot, options: AnalyzeOptions = {}): Analysis {
  const allMustProceed = options.uncertain === 'all';
  const live = snap.processes.filter((p) => p.alive && !p.helper);
  const byPid = new Map(snap.processes.map((p) => [p.pid, p]));

  // Holders of every primitive, from the processes' held lists (alive or dead).
  const holderIndex = new Map<string, Holder[]>();
  const mutexes = new Set<string>();
  for (const p of snap.processes) {
    if (p.helper) continue;
    for (const h of dedupeHeld(p.held)) {
      const info = snap.prims.get(h.id);
      if (info?.signal) continue;
      if (isMutex(h.kind)) mutexes.add(h.id);
      const claimed = p.alive ? p.threads.filter((t) => t.held?.includes(h.id)).map((t) => t.tid) : [];
      const list = holderIndex.get(h.id) ?? [];
      const maybe = h.maybe === true;
      if (claimed.length > 0) for (const tid of claimed) list.push({ pid: p.pid, tid, dead: !p.alive, site: h.site, maybe });
      else list.push({ pid: p.pid, tid: null, dead: !p.alive, site: h.site, maybe });
      holderIndex.set(h.id, list);
    }
  }
  for (const [id, list] of holderIndex) if (mutexes.has(id)) holderIndex.set(id, mutexHolders(list));
  const holders = (id: string): Holder[] => holderIndex.get(id) ?? [];
  /** Several candidates of which one holds the mutex (stale records). */
  const uncertain = (id: string): boolean => {
    const hs = holders(id);
    return hs.length > 1 && hs.some((h) => h.maybe);
  };

  // Threads that run (or may): not blocked, not helpers; plus unseen threads of incomplete lists.
  const progressing = new Set<string>();
  const unseenRunning = new Set<number>();
  const blocked: Blocked[] = [];
  for (const p of live) {
    let blockedUser = 0;
    for (const t of p.threads) {
      if (t.helper) continue;
      if (isBlocked(t)) {
        blocked.push({ proc: p, thread: t });
        blockedUser++;
      } else progressing.add(threadKey(p.pid, t.tid));
    }
    if (!p.complete && p.userThreads > blockedUser) unseenRunning.add(p.pid);
  }

  const procCanProceed = (pid: number, except?: string): boolean => {
    if (unseenRunning.has(pid)) return true;
    const p = byPid.get(pid);
    if (!p) return false;
    return p.threads.some((t) => !t.helper && threadKey(pid, t.tid) !== except && progressing.has(threadKey(pid, t.tid)));
  };
  const anyOtherCanProceed = (except: string): boolean => {
    if (unseenRunning.size > 0) return true;
    for (const k of progressing) if (k !== except) return true;
    return false;
  };

  // Waits that something outside the run may end: a connection that is not one of the run's own
  // Pipe() ends (a Listener/Client peer), a manager no process of the run serves.
  const runManager = snap.processes.some((p) => p.alive && p.helper && p.helperKind === 'manager');
  const external = (w: Wait): boolean =>
    (w.op === 'recv' && !!w.prim && !snap.prims.get(w.prim.id)?.pipe) ||
    (!!w.prim && w.prim.id.startsWith('mgr:') && !runManager);

  const canProceed = ({ proc, thread }: Blocked): boolean => {
    const self = threadKey(proc.pid, thread.tid);
    if (!thread.wait) return procCanProceed(proc.pid, self); // a threading primitive
    const w = thread.wait;
    if (external(w)) return true;
    switch (w.op) {
      case 'lock': {
        const info = w.prim ? snap.prims.get(w.prim.id) : undefined;
        if (!w.prim || !isOwned(w.prim.kind) || info?.signal) return anyOtherCanProceed(self);
        const hs = holders(w.prim.id);
        if (hs.length === 0) return anyOtherCanProceed(self);
        const holderCanProceed = (h: Holder): boolean =>
          !h.dead &&
          (h.tid !== null
            ? h.tid !== thread.tid || h.pid !== proc.pid
              ? progressing.has(threadKey(h.pid, h.tid))
              : false
            : procCanProceed(h.pid, self));
        if (allMustProceed && uncertain(w.prim.id)) return hs.every(holderCanProceed);
        return hs.some(holderCanProceed);
      }
      case 'process-join': {
        const target = w.target !== null ? byPid.get(w.target) : undefined;
        if (!target || !target.alive || target.helper) return true;
        return procCanProceed(target.pid);
      }
      case 'thread-join': {
        const target = proc.threads.find((t) => t.tid === w.target);
        if (!target) {
          if (proc.complete) return true; // it has ended: join returns
          return unseenRunning.has(proc.pid) || anyOtherCanProceed(self);
        }
        if (target.helper) return anyOtherCanProceed(self); // a feeder thread needs a reader
        return progressing.has(threadKey(proc.pid, target.tid));
      }
      default:
        return anyOtherCanProceed(self);
    }
  };

  let remaining = blocked;
  for (;;) {
    const next: Blocked[] = [];
    let changed = false;
    for (const b of remaining) {
      if (canProceed(b)) {
        progressing.add(threadKey(b.proc.pid, b.thread.tid));
        changed = true;
      } else next.push(b);
    }
    remaining = next;
    if (!changed) break;
  }

  const deadlocked = remaining;
  const groups = explain(deadlocked, holders, byPid);
  // The latest of the waits, and no earlier than the last change in the set of processes: until
  // then a process that could wake them was there (or has just arrived, and gets the timeout).
  const formedAt = deadlocked.length
    ? Math.max(...deadlocked.map((b) => b.thread.wait?.since ?? snap.now), snap.processesChangedAt ?? 0)
    : null;
  return { deadlocked, groups, holders, formedAt };
}

/**
 * The holders of a mutex: it has one, so exact records (dumps, processes that cannot have
 * released it unseen) win over maybe ones, which are then stale. Without an exact record, every
 * process with a record is a candidate: the holder is among them (the agent's invariant: a
 * process holding a Lock/RLock has its record set).
 */
function mutexHolders(list: Holder[]): Holder[] {
  const sure = list.filter((h) => !h.maybe);
  if (sure.length > 0) return sure;
  // A single candidate is the holder.
  return list.length === 1 ? [{ ...list[0], maybe: false }] : list;
}

/** One entry per primitive (a process reports a primitive once, but be safe with merged lists). */
function dedupeHeld(held: HeldPrim[]): HeldPrim[] {
  const seen = new Map<string, HeldPrim>();
  for (const h of held) if (!seen.has(h.id) || (!seen.get(h.id)!.site && h.site)) seen.set(h.id, h);
  return [...seen.values()];
}

/** Cycles, dead holders, then everybody else. */
function explain(
  deadlocked: Blocked[],
  holders: (id: string) => Holder[],
  byPid: Map<number, ProcSnap>,
): Group[] {
  if (deadlocked.length === 0) return [];
  const key = (b: Blocked) => threadKey(b.proc.pid, b.thread.tid);
  const index = new Map(deadlocked.map((b) => [key(b), b]));
  const ofPid = (pid: number) => deadlocked.filter((b) => b.proc.pid === pid);

  // "waits for" edges between deadlocked threads.
  const edges = new Map<string, Blocked[]>();
  for (const b of deadlocked) {
    const out: Blocked[] = [];
    const w = b.thread.wait;
    if (w?.op === 'lock' && w.prim && isOwned(w.prim.kind)) {
      for (const h of holders(w.prim.id)) {
        if (h.dead) continue;
        if (h.tid !== null) {
          const t = index.get(threadKey(h.pid, h.tid));
          if (t) out.push(t);
        } else {
          out.push(...ofPid(h.pid));
        }
      }
    } else if (w?.op === 'process-join' && w.target !== null) {
      out.push(...ofPid(w.target));
    } else if (w?.op === 'thread-join' && w.target !== null) {
      const t = index.get(threadKey(b.proc.pid, w.target));
      if (t) out.push(t);
    }
    edges.set(key(b), uniq(out, key));
  }

  const groups: Group[] = [];
  const assigned = new Set<string>();

  // Strongly connected components with a cycle (size > 1, or a thread waiting for itself).
  for (const scc of tarjan(deadlocked, key, (b) => edges.get(key(b)) ?? [])) {
    const selfLoop = scc.length === 1 && (edges.get(key(scc[0])) ?? []).some((x) => key(x) === key(scc[0]));
    if (scc.length < 2 && !selfLoop) continue;
    const members = cycleOrder(scc, key, (b) => edges.get(key(b)) ?? []);
    for (const m of members) assigned.add(key(m));
    groups.push({ type: 'cycle', members, dependents: [] });
  }

  // Waits on primitives held only by exited processes.
  const deadByPrim = new Map<string, Blocked[]>();
  for (const b of deadlocked) {
    if (assigned.has(key(b))) continue;
    const w = b.thread.wait;
    if (w?.op !== 'lock' || !w.prim || !isOwned(w.prim.kind)) continue;
    const hs = holders(w.prim.id);
    if (hs.length > 0 && hs.every((h) => h.dead)) {
      const list = deadByPrim.get(w.prim.id) ?? [];
      list.push(b);
      deadByPrim.set(w.prim.id, list);
    }
  }
  for (const [primId, members] of deadByPrim) {
    for (const m of members) assigned.add(key(m));
    groups.push({ type: 'dead-holder', primId, holders: holders(primId), members, dependents: [] });
  }

  // Threads that wait (directly or through others) on a group join it as dependents.
  const groupOf = new Map<string, Group>();
  for (const g of groups) for (const m of g.members) groupOf.set(key(m), g);
  let changed = true;
  while (changed) {
    changed = false;
    for (const b of deadlocked) {
      if (groupOf.has(key(b))) continue;
      const target = (edges.get(key(b)) ?? []).map((x) => groupOf.get(key(x))).find((g) => g !== undefined);
      if (target) {
        target.dependents.push(b);
        groupOf.set(key(b), target);
        changed = true;
      }
    }
  }

  const rest = deadlocked.filter((b) => !groupOf.has(key(b)));
  if (rest.length > 0) groups.push({ type: 'everybody', members: rest, dependents: [] });
  void byPid;
  return groups;
}

function uniq<T>(xs: T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => (seen.has(key(x)) ? false : (seen.add(key(x)), true)));
}

/** Tarjan's strongly connected components (iterative enough for our sizes: recursion depth = threads). */
function tarjan<T>(nodes: T[], key: (x: T) => string, next: (x: T) => T[]): T[][] {
  let counter = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: T[] = [];
  const out: T[][] = [];
  const visit = (v: T) => {
    const k = key(v);
    idx.set(k, counter);
    low.set(k, counter);
    counter++;
    stack.push(v);
    onStack.add(k);
    for (const w of next(v)) {
      const wk = key(w);
      if (!idx.has(wk)) {
        visit(w);
        low.set(k, Math.min(low.get(k)!, low.get(wk)!));
      } else if (onStack.has(wk)) {
        low.set(k, Math.min(low.get(k)!, idx.get(wk)!));
      }
    }
    if (low.get(k) === idx.get(k)) {
      const comp: T[] = [];
      for (;;) {
        const w = stack.pop()!;
        onStack.delete(key(w));
        comp.push(w);
        if (key(w) === k) break;
      }
      out.push(comp);
    }
  };
  for (const n of nodes) if (!idx.has(key(n))) visit(n);
  return out;
}

/** The members of a component in "waits for" order, starting from the lowest pid. */
function cycleOrder<T extends Blocked>(scc: T[], key: (x: T) => string, next: (x: T) => T[]): T[] {
  const inScc = new Set(scc.map(key));
  const sorted = [...scc].sort((a, b) => a.proc.pid - b.proc.pid || a.thread.tid - b.thread.tid);
  const order: T[] = [];
  const seen = new Set<string>();
  let cur: T | undefined = sorted[0];
  while (cur && !seen.has(key(cur))) {
    order.push(cur);
    seen.add(key(cur));
    cur = next(cur).find((x) => inScc.has(key(x)) && !seen.has(key(x)));
  }
  for (const m of sorted) if (!seen.has(key(m))) order.push(m);
  return order;
}
