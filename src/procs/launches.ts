// What mpscope knows about processes it started itself: the runner records each launch (and,
// when its agent reports them, each child with its multiprocessing name and the source line
// that started it). The process tree uses this as proof: a launched process whose ppid is no
// longer the parent recorded here was orphaned.
//
// Entries are keyed by pid and bound to the process's start time the first time a snapshot
// sees them, so a reused pid never inherits another process's launch record.

export interface StartSite {
  /** Absolute path of the source file. */
  file: string;
  /** 1-based line. */
  line: number;
  column?: number;
}

/** Facts an mpscope run reports about one of its processes. */
export interface ProcessAnnotation {
  /** multiprocessing's name for it: `Process-1`, `SpawnPoolWorker-2`. */
  mpName?: string;
  /** Where `Process.start()` (or `Pool(...)`) was called. */
  startSite?: StartSite;
  /** The start method multiprocessing used for it. */
  startMethod?: 'fork' | 'spawn' | 'forkserver';
}

export interface LaunchRecord {
  pid: number;
  /** The parent it was started under: a different ppid later proves it was re-parented. */
  originalPpid: number;
  launchedAt: number;
  /** Bound on first sight; see the header comment. */
  startToken?: string;
}

interface Annotated extends ProcessAnnotation {
  startToken?: string;
  recordedAt: number;
}

type Listener = () => void;

export class LaunchRegistry {
  private readonly launches = new Map<number, LaunchRecord>();
  private readonly annotations = new Map<number, Annotated>();
  private readonly subreapers = new Map<number, number>(); // pid -> recorded at
  private readonly listeners = new Set<Listener>();

  /**
   * Records that mpscope started `pid` as a child of `originalPpid` (for a launcher, usually its
   * own pid). Pass `startToken` when known; otherwise the next snapshot binds it.
   */
  markLaunched(pid: number, originalPpid: number, startToken?: string): void {
    this.launches.set(pid, { pid, originalPpid, launchedAt: Date.now(), startToken });
    this.changed();
  }

  /** Adds (merges) what a run knows about a process: its multiprocessing name and start site. */
  annotate(pid: number, annotation: ProcessAnnotation, startToken?: string): void {
    const prev = this.annotations.get(pid);
    // Merge with what is known about the same process; a different start means a reused pid.
    const same = prev && (!startToken || !prev.startToken || prev.startToken === startToken) ? prev : undefined;
    this.annotations.set(pid, { ...same, ...annotation, startToken: startToken ?? same?.startToken, recordedAt: Date.now() });
    this.changed();
  }

  /** Records a process known to adopt orphans (e.g. a launcher that set PR_SET_CHILD_SUBREAPER). */
  markSubreaper(pid: number): void {
    this.subreapers.set(pid, Date.now());
    this.changed();
  }

  isSubreaper(pid: number): boolean {
    return this.subreapers.has(pid);
  }

  /** The launch record of this exact process (pid + start time), if mpscope started it. */
  launchOf(pid: number, startToken: string): LaunchRecord | undefined {
    return this.bind(this.launches, pid, startToken);
  }

  annotationOf(pid: number, startToken: string): ProcessAnnotation | undefined {
    const a = this.bind(this.annotations, pid, startToken);
    if (!a) return undefined;
    const { startToken: _token, recordedAt: _at, ...rest } = a;
    return rest;
  }

  /** True when no launch is recorded (the view's "only mpscope runs" filter is then empty). */
  get isEmpty(): boolean {
    return this.launches.size === 0;
  }

  get hasAnnotations(): boolean {
    return this.annotations.size > 0 || this.subreapers.size > 0;
  }

  /**
   * Forgets entries whose processes are gone. Only entries recorded before `snapshotStartedAt`
   * are judged: a launch recorded while the snapshot was being read may simply not be in it.
   */
  prune(alivePids: ReadonlySet<number>, snapshotStartedAt = Date.now()): void {
    for (const [pid, launch] of this.launches) {
      if (!alivePids.has(pid) && launch.launchedAt < snapshotStartedAt) this.launches.delete(pid);
    }
    for (const [pid, a] of this.annotations) {
      if (!alivePids.has(pid) && a.recordedAt < snapshotStartedAt) this.annotations.delete(pid);
    }
    for (const [pid, at] of this.subreapers) {
      if (!alivePids.has(pid) && at < snapshotStartedAt) this.subreapers.delete(pid);
    }
  }

  /** Called after every change; returns an unsubscribe function. */
  onDidChange(listener: Listener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  clear(): void {
    this.launches.clear();
    this.annotations.clear();
    this.subreapers.clear();
    this.changed();
  }

  private bind<T extends { startToken?: string }>(map: Map<number, T>, pid: number, startToken: string): T | undefined {
    const entry = map.get(pid);
    if (!entry) return undefined;
    if (entry.startToken === undefined) {
      entry.startToken = startToken;
      return entry;
    }
    if (entry.startToken === startToken) return entry;
    map.delete(pid); // the pid now belongs to a different process
    return undefined;
  }

  private changed(): void {
    for (const l of this.listeners) {
      try {
        l();
      } catch {
        // a listener's failure is its own business
      }
    }
  }
}

/**
 * The registry shared by everything in one extension host or CLI process: the runner writes
 * to it, the Processes view reads it.
 */
export const launchRegistry = new LaunchRegistry();
