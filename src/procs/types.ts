// The data model of a process snapshot, shared by every back end (procfs, ps-list), the tree,
// the CLI and the Processes view. Nothing here imports `vscode`.

/** Process states, named the way a person reads them (`ps` letters map onto these). */
export type ProcessState =
  | 'running'
  | 'sleeping'
  | 'disk-sleep'
  | 'stopped'
  | 'tracing-stop'
  | 'zombie'
  | 'dead'
  | 'idle'
  | 'parked'
  | 'waking'
  | 'unknown';

/** One process as a back end read it. Fields a back end cannot read are left undefined. */
export interface ProcessRecord {
  pid: number;
  /** Parent pid as the OS reports it now (0 for the roots: init, kthreadd, Windows' idle). */
  ppid: number;
  /**
   * Exact start time in the back end's own unit (clock ticks since boot on Linux, epoch ms from
   * `ps` elsewhere). `pid` + `startToken` identifies a process across snapshots: a reused pid
   * gets a different start. Empty when the OS does not give a start time (Windows).
   */
  startToken: string;
  /** Start time in epoch ms (to the second with ps-list). NaN when unknown. */
  startTime: number;
  /** Short name: the kernel's `comm` (15 characters on Linux) or the executable's name. */
  name: string;
  /** The full argument vector when known exactly (procfs); ps-list only gives one string. */
  argv?: string[];
  /** The command line as one string; '' for zombies, kernel threads and hidden processes. */
  command: string;
  /** Effective uid (what `ps` shows as USER). */
  uid?: number;
  user?: string;
  state: ProcessState;
  /** The OS's own state letter (`Z`, `S`...), when it gives one. */
  stateCode?: string;
  threads?: number;
  rssBytes?: number;
  /** Memory as % of RAM, when the back end gives that instead of bytes (ps-list). */
  memPercent?: number;
  /** Cumulative user+system CPU time in ms; the tracker turns two readings into an interval CPU %. */
  cpuTimeMs?: number;
  /** CPU % as the OS tool reports it (a lifetime or decaying average), when no CPU time is given. */
  cpuPercentOs?: number;
  /** Process group and session (Linux), used by the orphan rules. */
  pgid?: number;
  sid?: number;
  /** A kernel thread (Linux PF_KTHREAD, or kthreadd's children): never shown, never signalled. */
  kernelThread: boolean;
  /** When the changing fields were read (performance.now() ms); older than the snapshot when served from cache. */
  sampledAt?: number;
}

export interface ListOptions {
  /**
   * Pids whose records must be read fresh. When given, a back end may serve other processes
   * from a recent cache (procfs re-reads them every few seconds, and always reads new ones).
   * When absent, every process is read.
   */
  hot?: ReadonlySet<number>;
  /** Pids to read again every few seconds rather than every time (with `hot`). */
  warm?: ReadonlySet<number>;
}

/** What a back end can read; the shared test suite checks each claim against real processes. */
export interface SourceCapabilities {
  /** 'full': every state letter; 'zombie-only': only zombie vs not (from `<defunct>`). */
  state: 'full' | 'zombie-only';
  threads: boolean;
  rssBytes: boolean;
  /** True when CPU % is measured over the interval between two snapshots. */
  intervalCpu: boolean;
  /** Process group and session ids (used by the orphan rules). */
  sessions: boolean;
  /** Start times exact to the clock tick (false: to the second, or none). */
  exactStartTime: boolean;
  /** argv exactly as the process has it (false: one string split on spaces). */
  exactArgv: boolean;
}

/**
 * Where process snapshots come from. One implementation reads /proc (Linux), the other uses
 * the ps-list and pidtree packages (macOS, Windows, or Linux without /proc).
 */
export interface ProcessSource {
  readonly id: 'procfs' | 'ps-list';
  readonly capabilities: SourceCapabilities;
  /** Every process visible to this user, in one pass. Never fails because one process exited mid-read. */
  list(options?: ListOptions): Promise<ProcessRecord[]>;
  /** One process read again (to check its identity just before signalling it); undefined once it is gone. */
  get(pid: number): Promise<ProcessRecord | undefined>;
  /** Pids of all current descendants of `pid` (by the OS's parent links), in no particular order. */
  descendants(pid: number): Promise<number[]>;
}

/** The identity of a process across snapshots: pid plus start time (PID reuse gets a new key). */
export function processKey(r: { pid: number; startToken: string }): string {
  return `${r.pid}:${r.startToken}`;
}

const keys = new WeakMap<ProcessRecord, string>();

/** processKey for a record, worked out once per record object (refreshes reuse unchanged records). */
export function recordKey(r: ProcessRecord): string {
  let k = keys.get(r);
  if (k === undefined) {
    k = processKey(r);
    keys.set(r, k);
  }
  return k;
}
