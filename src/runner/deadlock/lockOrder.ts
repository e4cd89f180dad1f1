// Potential deadlocks (lock-order inversions), as ThreadSanitizer reports them, but across
// processes: the agent journals "acquired B while holding A" once per pair and process; if the
// run ever took A before B somewhere and B before A somewhere else (a cycle in the lock-order
// graph), it can deadlock when those run at the same time, even if this run did not hang.
// Always a warning of kind `potential-deadlock`, never presented as an active deadlock.
import * as path from 'path';
import type { Finding, FindingLocation } from '../findings/types';
import type { OrderRecord } from './stateFile';
import type { Loc } from './model';

export interface OrderEdge {
  a: string;
  b: string;
  /** Every (process, sites) that took b while holding a. */
  seen: OrderRecord[];
}

export interface Inversion {
  /** The locks in cycle order: each was held while the next was acquired. */
  locks: string[];
  edges: OrderEdge[];
}

/** Cycles of the lock-order graph (each strongly connected set of locks gives one cycle). */
export function findInversions(orders: OrderRecord[], maxCycles = 50): Inversion[] {
  const edges = new Map<string, OrderEdge>();
  const next = new Map<string, Set<string>>();
  for (const o of orders) {
    if (o.a === o.b) continue;
    const k = `${o.a}\u0000${o.b}`;
    let e = edges.get(k);
    if (!e) {
      e = { a: o.a, b: o.b, seen: [] };
      edges.set(k, e);
      if (!next.has(o.a)) next.set(o.a, new Set());
      next.get(o.a)!.add(o.b);
    }
    e.seen.push(o);
  }
  const out: Inversion[] = [];
  const reported = new Set<string>();
  // Shortest cycle through each lock (BFS), reported once per set of locks.
  for (const start of [...next.keys()].sort()) {
    if (out.length >= maxCycles) break;
    const prev = new Map<string, string>();
    const queue = [start];
    let found: string[] | null = null;
    const seen = new Set([start]);
    while (queue.length && !found) {
      const cur = queue.shift()!;
      for (const n of [...(next.get(cur) ?? [])].sort()) {
        if (n === start) {
          const cycle = [cur];
          let x = cur;
          while (x !== start) {
            x = prev.get(x)!;
            cycle.push(x);
          }
          found = cycle.reverse();
          break;
        }
        if (!seen.has(n)) {
          seen.add(n);
          prev.set(n, cur);
          queue.push(n);
        }
      }
    }
    if (!found) continue;
    const key = [...found].sort().join('\u0000');
    if (reported.has(key)) continue;
    reported.add(key);
    const cycleEdges = found.map((a, i) => edges.get(`${a}\u0000${found![(i + 1) % found!.length]}`)!);
    out.push({ locks: found, edges: cycleEdges });
  }
  return out;
}

export interface NameContext {
  label(id: string, kind: string): string;
  process(pid: number): string;
}

const at = (l: Loc | null) => (l ? ` at ${path.basename(l.file)}:${l.line}` : '');

export function potentialDeadlockFindings(orders: OrderRecord[], names: NameContext, skip: (locks: string[]) => boolean = () => false): Finding[] {
  const out: Finding[] = [];
  for (const inv of findInversions(orders)) {
    if (skip(inv.locks)) continue;
    const parts: string[] = [];
    const locations: FindingLocation[] = [];
    const pids = new Set<number>();
    const orderDetails: Array<Record<string, unknown>> = [];
    for (const e of inv.edges) {
      const o = e.seen[0];
      const a = names.label(o.a, o.aKind);
      const b = names.label(o.b, o.bKind);
      const who = names.process(o.pid) + (o.thread && o.thread !== 'MainThread' ? ` thread ${o.thread}` : '');
      parts.push(`${who} acquired ${b}${at(o.bSite)} while holding ${a}${o.aSite ? ` (acquired${at(o.aSite)})` : ''}`);
      for (const s of e.seen) {
        pids.add(s.pid);
        if (s.aSite) locations.push({ file: s.aSite.file, line: s.aSite.line, pid: s.pid, role: 'holds' });
        if (s.bSite) locations.push({ file: s.bSite.file, line: s.bSite.line, pid: s.pid, role: 'acquired' });
      }
      orderDetails.push({ held: o.a, acquired: o.b, pid: o.pid, thread: o.thread, heldSite: o.aSite, acquiredSite: o.bSite });
    }
    const lockNames = inv.edges.map((e) => names.label(e.a, e.seen[0].aKind));
    out.push({
      kind: 'potential-deadlock',
      severity: 'warning',
      message:
        `Potential deadlock (lock-order inversion, this run did not hang): ${parts.join('; ')}. ` +
        `If these run at the same time they can deadlock; always take ${lockNames.join(', ')} in one order.`,
      pids: [...pids],
      locations: dedupe(locations),
      details: { type: 'lock-order', locks: inv.locks, order: orderDetails },
    });
  }
  return out;
}

function dedupe(ls: FindingLocation[]): FindingLocation[] {
  const seen = new Set<string>();
  return ls.filter((l) => {
    const k = `${l.file}:${l.line}:${l.pid}:${l.role}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
}
