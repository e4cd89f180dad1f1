// The input of the deadlock analysis: a snapshot of a run's processes, their threads, what each
// blocked thread waits on and which primitives each process holds. Built from the agent's state
// files (src/runner/deadlock/stateFile.ts) and, to confirm, from stack dumps; in unit tests, by
// hand. Pure data: no I/O, no `vscode`.
import type { WaitOp } from './protocol';

export type { WaitOp };

export interface Loc {
  file: string;
  line: number;
  function?: string;
}

export interface Frame extends Loc {
  /** The frame is in the user's code (not the standard library, not a library). */
  user?: boolean;
}

export interface PrimRef {
  id: string;
  kind: string;
}

export interface Wait {
  op: WaitOp;
  /** The primitive waited on; null for joins. */
  prim: PrimRef | null;
  /** Epoch ms when the wait began. */
  since: number;
  /** The innermost user frame where the thread waits. */
  site: Loc | null;
  /** pid for process-join, thread ident for thread-join. */
  target: number | null;
}

export interface ThreadSnap {
  tid: number;
  name: string;
  /** multiprocessing's own threads (queue feeder, pool handlers): they never wake anyone by themselves. */
  helper: boolean;
  wait: Wait | null;
  /** Blocked without a timeout on a threading primitive: only a thread of the same process can wake it. */
  localWait?: { what: string; site: Loc | null } | null;
  /** Ids of the primitives this thread held when its wait began (known from stack dumps). */
  held?: string[];
  frames?: Frame[];
  main?: boolean;
}

export interface HeldPrim {
  id: string;
  kind: string;
  /** Where this process last acquired it. */
  site: Loc | null;
  /**
   * The record may be stale: it acquired the lock there and may have released it since. A Lock's
   * or RLock's release records nothing (the agent keeps the C method: sync.py), so its state-file
   * record is exact only when the process cannot have released it unseen: every thread of it
   * waits (a wait clears the records of released locks), or it passed its exit point. Stack
   * dumps are exact. A mutex has one holder: it is among the processes with a record on it.
   */
  maybe?: boolean;
}

export interface ExitInfo {
  code: number | null;
  /** Signal number that ended it (9 SIGKILL, 15 SIGTERM), when known. */
  signal: number | null;
  /** terminate()/kill() call that ended it, when the program made one. */
  control?: { op: string; by: number; site: Loc | null } | null;
}

export interface ProcSnap {
  pid: number;
  /** multiprocessing name: "MainProcess", "Process-1", "ForkPoolWorker-2"... */
  name: string;
  alive: boolean;
  /** A multiprocessing helper (manager server, resource tracker, forkserver): not part of "everybody". */
  helper: boolean;
  /** Which helper: manager, resource_tracker, forkserver. */
  helperKind?: string | null;
  /** Its parent (who started it), when known. */
  parent?: number | null;
  /** Live non-helper threads; more than the threads listed means some run unseen. */
  userThreads: number;
  /** Threads known: those waiting (state files), or all of them (stack dumps, complete = true). */
  threads: ThreadSnap[];
  complete: boolean;
  /** Primitives this process holds now, or held when it died. */
  held: HeldPrim[];
  exit?: ExitInfo | null;
  /**
   * Alive, its agent not connected yet (arrivals.ts): nothing is known about it, so it counts
   * as running (threads empty, complete false).
   */
  starting?: boolean;
}

export interface PrimInfo {
  id: string;
  kind: string;
  /** "Lock#1", "Queue#2": numbered per kind in the order the run created them. */
  label: string;
  created?: Loc | null;
  /** Released by a process that did not hold it: a signal, not a lock with owners. */
  signal?: boolean;
  /** An end of a Pipe() the program created (a connection only processes of the run can feed). */
  pipe?: boolean;
}

export interface Snapshot {
  /** Epoch ms. */
  now: number;
  processes: ProcSnap[];
  prims: Map<string, PrimInfo>;
  /**
   * When the run's set of processes last changed (a process started, connected or ended; epoch
   * ms): a deadlock forms no earlier (the last process that could wake the waiters was there).
   */
  processesChangedAt?: number | null;
}

/** A waiting thread, named for messages. */
export interface ThreadRef {
  pid: number;
  tid: number;
}

export const threadKey = (pid: number, tid: number): string => `${pid}/${tid}`;

/** Mutexes: at most one holder (a Condition is its lock, an RLock unless the program gave one). */
export function isMutex(kind: string): boolean {
  return kind === 'Lock' || kind === 'RLock' || kind === 'Condition';
}

/** Kinds whose state-file records may outlive the holding (HeldPrim.maybe): released in C. */
export function mayBeStale(kind: string): boolean {
  return kind === 'Lock' || kind === 'RLock';
}

/** Primitives that have owners: a wait on them is satisfied only by a holder's release. */
export function isOwned(kind: string): boolean {
  return kind === 'Lock' || kind === 'RLock' || kind === 'Semaphore' || kind === 'BoundedSemaphore' || kind === 'Condition';
}
