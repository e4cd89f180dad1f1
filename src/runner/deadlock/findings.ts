// Deadlock findings from an analysis: a message a person understands (jstack's "waiting to lock
// X, which is held by Y"), the locations of every wait and acquisition, the pids, and details for
// the views (the waits with their holders, the cycle, the stacks of the threads involved).
import * as path from 'path';
import type { Finding, FindingLocation } from '../findings/types';
import type { Analysis, Blocked, Group, Holder } from './analyze';
import type { PoolCrashLoop } from './crashLoop';
import { isOwned, type Loc, type ProcSnap, type Snapshot, type ThreadSnap } from './model';

const SIGNALS: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM' };

export function procLabel(p: ProcSnap | undefined, pid: number): string {
  return p ? `${p.name} (pid ${pid})` : `pid ${pid}`;
}

function threadLabel(b: Blocked): string {
  const many = b.proc.threads.filter((t) => !t.helper).length > 1 || b.proc.userThreads > 1;
  const t = b.thread;
  return many && !(t.main ?? t.name === 'MainThread')
    ? `${procLabel(b.proc, b.proc.pid)} thread ${t.name}`
    : procLabel(b.proc, b.proc.pid);
}

const at = (loc: Loc | null | undefined): string => (loc ? ` at ${path.basename(loc.file)}:${loc.line}` : '');

function primLabel(snap: Snapshot, id: string | undefined, kind: string): string {
  return (id && snap.prims.get(id)?.label) || kind;
}

/** "waits to lock Lock#1 at f.py:14" and the like. */
export function waitPhrase(snap: Snapshot, b: Blocked): string {
  const t = b.thread;
  if (!t.wait) return `waits on a ${t.localWait?.what ?? 'threading primitive'}${at(t.localWait?.site)}`;
  const w = t.wait;
  const label = primLabel(snap, w.prim?.id, w.prim?.kind ?? '');
  // No user frame on the stack: multiprocessing's exit handler (joins), or a Pool worker's loop.
  const where = w.site ? at(w.site) : w.op === 'thread-join' || w.op === 'process-join' ? ' at interpreter exit' : '';
  if (w.op === 'queue-get' && !w.site && /PoolWorker/.test(b.proc.name)) return `is idle, waiting for a task from ${label}`;
  switch (w.op) {
    case 'lock':
      return `${w.prim && /Semaphore/.test(w.prim.kind) ? 'waits to acquire' : 'waits to lock'} ${label}${where}`;
    case 'queue-get':
      return `waits in ${label}.get()${where}`;
    case 'queue-put':
      return `waits in ${label}.put()${where} (the queue is full)`;
    case 'recv':
      return `waits in ${label}.recv()${where}`;
    case 'process-join': {
      const target = w.target !== null ? snap.processes.find((p) => p.pid === w.target) : undefined;
      return `waits for ${procLabel(target, w.target ?? 0)} to exit (join${where})`;
    }
    case 'thread-join': {
      const target = b.proc.threads.find((x) => x.tid === w.target);
      return `waits for thread ${target?.name ?? w.target} to finish (join${where})`;
    }
    case 'event-wait':
      return `waits for ${label} to be set${where}`;
    case 'condition-wait':
      return `waits in ${label}.wait()${where} for a notify`;
    case 'barrier-wait':
      return `waits at ${label}${where}`;
    case 'queue-join':
      return `waits in ${label}.join()${where} for task_done() calls`;
    case 'pool-result':
      return `waits for results of ${label}${where}`;
    default:
      return `waits in a call on ${label}${where}`;
  }
}

function holderPhrase(snap: Snapshot, h: Holder, waiter: Blocked): string {
  const p = snap.processes.find((x) => x.pid === h.pid);
  const same = h.pid === waiter.proc.pid && (h.tid === null || h.tid === waiter.thread.tid);
  let who: string;
  if (same && (h.tid === waiter.thread.tid || waiter.proc.userThreads <= 1)) who = 'itself';
  else if (h.tid !== null && p && (p.userThreads > 1 || p.threads.filter((t) => !t.helper).length > 1)) {
    const t = p.threads.find((x) => x.tid === h.tid);
    who = `${procLabel(p, h.pid)} thread ${t?.name ?? h.tid}`;
  } else who = procLabel(p, h.pid);
  return `${who}${h.site ? `, acquired${at(h.site)}` : ''}`;
}

function exitPhrase(p: ProcSnap | undefined): string {
  const e = p?.exit;
  if (!e) return 'which has exited';
  const how =
    e.signal !== null
      ? `killed by ${SIGNALS[e.signal] ?? `signal ${e.signal}`}`
      : e.code !== null
        ? `exit code ${e.code}`
        : 'exited';
  const ctl = e.control ? `, ${e.control.op}()${at(e.control.site)}` : '';
  return `which exited (${how}${ctl})`;
}

/**
 * Exited processes of which one holds a lock, and which one is unknown: each had acquired it and
 * was killed by a signal, so whether it had released it since was never recorded.
 */
function candidatesPhrase(snap: Snapshot, holders: Holder[]): string {
  const each = holders.map((h) => {
    const p = snap.processes.find((x) => x.pid === h.pid);
    return `${procLabel(p, h.pid)}, ${exitPhrase(p)}${h.site ? `, acquired it${at(h.site)}` : ''}`;
  });
  return (
    `one of ${holders.length} exited processes (each had acquired it and was killed before it could tell ` +
    `whether it had released it): ${each.join('; or ')}`
  );
}

interface Built {
  message: string;
  locations: FindingLocation[];
  waits: Array<Record<string, unknown>>;
  pids: number[];
}

function loc(l: Loc | null | undefined, pid: number, role: string): FindingLocation | null {
  if (!l) return null;
  const out: FindingLocation = { file: l.file, line: l.line, pid, role };
  if (l.function) out.function = l.function;
  return out;
}

/** Adds l to the finding's locations unless the same place, process and role is there. */
function addLocation(locations: FindingLocation[], l: FindingLocation | null): void {
  if (l && !locations.some((x) => x.file === l.file && x.line === l.line && x.pid === l.pid && x.role === l.role)) {
    locations.push(l);
  }
}

/** One "X waits ..., which is held by Y" sentence per member, and the data behind it. */
function describe(snap: Snapshot, analysis: Pick<Analysis, 'holders'>, members: Blocked[], dependents: Blocked[]): Built {
  const sentences: string[] = [];
  const locations: FindingLocation[] = [];
  const waits: Array<Record<string, unknown>> = [];
  const pids = new Set<number>();
  const push = (l: FindingLocation | null) => addLocation(locations, l);
  for (const [i, b] of [...members, ...dependents].entries()) {
    const w = b.thread.wait;
    pids.add(b.proc.pid);
    let text = `${threadLabel(b)} ${waitPhrase(snap, b)}`;
    const holders = w?.op === 'lock' && w.prim && isOwned(w.prim.kind) ? analysis.holders(w.prim.id) : [];
    if (holders.length > 1 && holders.every((h) => h.dead && h.maybe)) {
      text += `, which is held by ${candidatesPhrase(snap, holders)}`;
      for (const h of holders) {
        pids.add(h.pid);
        push(loc(h.site, h.pid, 'acquired'));
      }
    } else if (holders.length > 0) {
      const alive = holders.filter((h) => !h.dead);
      const dead = holders.filter((h) => h.dead);
      const parts: string[] = [];
      if (alive.length) parts.push(alive.map((h) => holderPhrase(snap, h, b)).join(' and '));
      for (const h of dead) {
        const p = snap.processes.find((x) => x.pid === h.pid);
        parts.push(`${procLabel(p, h.pid)}, ${exitPhrase(p)} while holding it${h.site ? `; it acquired it${at(h.site)}` : ''}`);
      }
      const unitWord = w && /Semaphore/.test(w.prim!.kind) && holders.length > 1 ? `whose units are held by` : 'which is held by';
      text += `, ${unitWord} ${parts.join(' and ')}`;
      for (const h of holders) {
        pids.add(h.pid);
        push(loc(h.site, h.pid, 'acquired'));
      }
    }
    if (i < members.length || dependents.length <= 3) sentences.push(text);
    push(loc(w?.site ?? b.thread.localWait?.site, b.proc.pid, 'waits'));
    waits.push({
      pid: b.proc.pid,
      thread: b.thread.name,
      op: w?.op ?? 'local',
      primitive: w?.prim
        ? { id: w.prim.id, kind: w.prim.kind, label: primLabel(snap, w.prim.id, w.prim.kind) }
        : w?.op === 'process-join'
          ? { id: `process:${w.target}`, kind: 'Process', label: procLabel(snap.processes.find((p) => p.pid === w.target), w.target ?? 0) }
          : { id: `thread:${b.proc.pid}:${w?.target ?? b.thread.tid}`, kind: 'Thread', label: b.thread.localWait?.what ?? 'thread' },
      site: w?.site ?? b.thread.localWait?.site ?? null,
      since: w?.since ?? null,
      target: w?.target ?? null,
      holders: holders.map((h) => ({ pid: h.pid, thread: h.tid, site: h.site, dead: h.dead, maybe: h.maybe })),
    });
  }
  if (dependents.length > 3) {
    sentences.push(`${dependents.length} more threads wait on them (${dependents.map((d) => threadLabel(d)).join(', ')})`);
  }
  return { message: sentences.join('; '), locations, waits, pids: [...pids] };
}

/** Extra explanation for the documented multiprocessing hazards behind a hang. */
function hazards(snap: Snapshot, blocked: Blocked[], extra: HazardFacts): { text: string; locations: FindingLocation[] } | null {
  const texts: string[] = [];
  const locations: FindingLocation[] = [];
  for (const b of blocked) {
    const w = b.thread.wait;
    if (!w) continue;
    // 1. A child that cannot exit while its queue feeder thread still writes into a pipe.
    if (w.op === 'thread-join') {
      const t = b.proc.threads.find((x) => x.tid === w.target);
      if (t?.name === 'QueueFeederThread' || (!t && !w.site)) {
        const joiner = blocked.find((o) => o.thread.wait?.op === 'process-join' && o.thread.wait.target === b.proc.pid);
        const put = extra.lastPuts?.(b.proc.pid)[0];
        texts.push(
          `${procLabel(b.proc, b.proc.pid)} cannot exit: its queue feeder thread is still writing the data it put` +
            `${put ? ` (at ${path.basename(put.site.file)}:${put.site.line})` : ''} into the queue's pipe, and nobody reads it` +
            (joiner ? `; ${procLabel(joiner.proc, joiner.proc.pid)} joins it${at(joiner.thread.wait?.site)} before draining the queue` : '') +
            `. Get the items from the queue before join() (multiprocessing guidelines: "Joining processes that use queues")`,
        );
        if (put) locations.push({ file: put.site.file, line: put.site.line, pid: b.proc.pid, role: 'put' });
      }
    }
    // 2. A Pool whose worker died mid-task: the task is lost and map()/get() waits forever.
    if (w.op === 'pool-result') {
      const deadWorkers = snap.processes.filter(
        (p) => !p.alive && /PoolWorker/.test(p.name) && (p.parent === undefined || p.parent === null || p.parent === b.proc.pid) &&
          (p.exit?.signal !== null || (p.exit?.code ?? 0) !== 0),
      );
      if (deadWorkers.length > 0) {
        texts.push(
          `${deadWorkers.map((p) => `${procLabel(p, p.pid)} ${exitPhrase(p).replace(/^which /, '')}`).join(' and ')} while running a task: ` +
            `the Pool lost the task and the result never comes (CPython issue 96062). ` +
            `concurrent.futures.ProcessPoolExecutor raises BrokenProcessPool instead; or pass a timeout to get()`,
        );
      }
    }
    // 3. A queue left broken: a process died (terminate/kill) inside get()/put() on it.
    if ((w.op === 'queue-get' || w.op === 'queue-put') && w.prim) {
      for (const p of snap.processes) {
        if (p.alive) continue;
        const died = p.threads.find((t) => t.wait?.prim?.id === w.prim!.id && (t.wait.op === 'queue-get' || t.wait.op === 'queue-put'));
        if (!died) continue;
        const how = exitPhrase(p).replace(/^which /, '');
        texts.push(
          `${primLabel(snap, w.prim.id, w.prim.kind)} is broken: ${procLabel(p, p.pid)} ${how} inside ${died.wait!.op === 'queue-get' ? 'get()' : 'put()'}` +
            `${at(died.wait!.site)}, holding the queue's internal lock, which is never released. ` +
            `terminate() and kill() can corrupt queues and locks (multiprocessing docs); stop workers with a sentinel or an Event`,
        );
        const c = p.exit?.control;
        if (c?.site) locations.push({ file: c.site.file, line: c.site.line, pid: c.by, role: c.op });
      }
    }
  }
  if (!texts.length) return null;
  return { text: [...new Set(texts)].join('. '), locations };
}

export interface HazardFacts {
  /** Queues a process put on, with the line of its last put (most recent first). */
  lastPuts?: (pid: number) => Array<{ id: string; site: Loc }>;
}

/** The `deadlock` findings of an analysis. */
export function deadlockFindings(snap: Snapshot, analysis: Analysis, facts: HazardFacts = {}): Finding[] {
  const out: Finding[] = [];
  for (const g of analysis.groups) {
    const members = g.members;
    const built = describe(snap, analysis, members, g.dependents);
    let head: string;
    if (g.type === 'cycle') {
      const self = members.length === 1;
      head = self
        ? 'Deadlock: a thread waits for a lock it holds itself (a Lock is not reentrant; use an RLock, or release it first): '
        : `Deadlock (a cycle of ${members.length} ${new Set(members.map((m) => m.proc.pid)).size === 1 ? 'threads' : 'processes'}): `;
    } else if (g.type === 'dead-holder') {
      head = 'Deadlock: waiting for a lock that a process which has exited still holds; nothing can release it: ';
    } else {
      head = 'Deadlock: every process of the run is blocked and none of them can wake the others: ';
    }
    const all = [...members, ...g.dependents];
    const hz = hazards(snap, all, facts);
    for (const l of hz?.locations ?? []) built.locations.push(l);
    const details: Record<string, unknown> = {
      type: g.type,
      waits: built.waits,
      cycle: g.type === 'cycle' ? members.map((m) => m.proc.pid) : [],
      stacks: stacksOf(all.map((b) => b.proc), snap),
      formedAt: Math.max(...all.map((b) => b.thread.wait?.since ?? 0)) || null,
    };
    if (hz) details.hazard = hz.text;
    out.push({
      kind: 'deadlock',
      severity: 'error',
      message: head + built.message + '.' + (hz ? ` ${hz.text}.` : ''),
      pids: built.pids,
      locations: built.locations,
      details,
    });
  }
  return out;
}

/** The `deadlock` finding of a Pool whose initializer fails in every worker (crashLoop.ts). */
export function poolCrashLoopFinding(snap: Snapshot, loop: PoolCrashLoop): Finding {
  const built = describe(snap, { holders: () => [] }, loop.waiting, []);
  const e = loop.exception;
  const createdAt = loop.owner.site ? ` (created${at(loop.owner.site)})` : '';
  const raisedAt = e.site ? `${at(e.site)}` : '';
  const text = e.message.replace(/\s+/g, ' ').trim().slice(0, 200);
  const hazard =
    `every worker of the Pool${createdAt} raises ${e.type}${raisedAt}${text ? ` (${text})` : ''} in the Pool's initializer, ` +
    `and the Pool replaces it at once, forever (${loop.failed.length} workers so far), so it never runs a task. ` +
    'Fix the initializer; concurrent.futures.ProcessPoolExecutor raises BrokenProcessPool instead';
  const locations = [...built.locations];
  addLocation(locations, loc(e.site, loop.failed[0].pid, 'exception'));
  addLocation(locations, loc(loop.owner.site, loop.owner.pid, 'start'));
  return {
    kind: 'deadlock',
    severity: 'error',
    message: `Deadlock: ${built.message}, which never come: ${hazard}.`,
    pids: [...new Set([...built.pids, ...loop.failed.map((p) => p.pid)])],
    locations,
    details: {
      type: 'pool-crash-loop',
      waits: built.waits,
      cycle: [],
      stacks: stacksOf(loop.waiting.map((b) => b.proc), snap),
      formedAt: Math.max(...loop.waiting.map((b) => b.thread.wait?.since ?? 0)) || null,
      hazard,
      failedWorkers: loop.failed.length,
    },
  };
}

/** Stacks of the processes involved, by pid (only what the stack dumps gave). */
function stacksOf(procs: ProcSnap[], snap: Snapshot): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const pids = new Set(procs.map((p) => p.pid));
  for (const p of snap.processes) {
    if (!pids.has(p.pid)) continue;
    const threads = p.threads
      .filter((t: ThreadSnap) => t.frames && t.frames.length)
      .map((t) => ({ thread: t.name, frames: t.frames, held: t.held ?? [], wait: t.wait ?? null }));
    if (threads.length) out[String(p.pid)] = threads;
  }
  return out;
}
