// Memory across snapshots, keyed by process identity (pid + start time):
// - CPU %: the CPU time used between two snapshots over the wall time between them (what `top`
//   shows), not `ps`'s lifetime average;
// - the first ppid mpscope saw: a later, different ppid proves the process was re-parented;
// - when a process was first seen as a zombie, and when it was last seen alive (the kernel does
//   not tell when a zombie exited, so this is as close as mpscope can honestly get);
// - the last command line and role of a process (a zombie has no command line left);
// - which processes belong to an mpscope run (sticky: an orphan stays a member after its
//   launched ancestor dies, which is exactly when it matters);
// - which processes were seen adopting someone (learned subreapers).
import type { ProcessRole } from './roles';
import { recordKey, type ProcessRecord } from './types';

export interface Observation {
  cpuPercent?: number;
  cpuBasis: 'interval' | 'os' | 'none';
  firstPpid: number;
  firstSeenAt: number;
  /** First snapshot that showed it as a zombie. */
  zombieSince?: number;
  /** Last snapshot that showed it alive (not a zombie), if any did. */
  lastAliveAt?: number;
  lastCommand?: string;
  lastArgv?: string[];
  lastRole?: ProcessRole;
  runMember: boolean;
}

/** The tracker's memory of one process; observe() hands these out as Observations (no copies). */
interface History extends Observation {
  cpuTimeMs?: number;
  sampledAtMono: number;
  /** The observe() call that last saw it (older ones are forgotten). */
  seen: number;
}

/** What the model tells the tracker to remember after it has classified a snapshot. */
export interface Remembered {
  key: string;
  role: ProcessRole;
  runMember: boolean;
}

export class ProcessTracker {
  private readonly history = new Map<string, History>();
  private readonly adopters = new Set<string>();
  private generation = 0;

  /**
   * Takes one snapshot into account. `wallNow` is epoch ms (for display), `monoNow` a monotonic
   * clock in ms (for CPU intervals, immune to clock changes).
   */
  observe(records: readonly ProcessRecord[], wallNow: number, monoNow: number): ReadonlyMap<string, Observation> {
    const gen = ++this.generation;
    let byPid: Map<number, ProcessRecord> | undefined; // only built if some ppid changed
    for (const r of records) {
      const key = recordKey(r);
      let h = this.history.get(key);
      let cpuPercent: number | undefined;
      let cpuBasis: Observation['cpuBasis'] = 'none';
      // When the back end served this record from its cache, it carries its older read time.
      const readAt = r.sampledAt ?? monoNow;
      if (r.cpuTimeMs !== undefined) {
        cpuBasis = 'interval';
        if (h?.cpuTimeMs !== undefined && readAt > h.sampledAtMono) {
          cpuPercent = Math.max(0, ((r.cpuTimeMs - h.cpuTimeMs) / (readAt - h.sampledAtMono)) * 100);
        } else if (h && readAt === h.sampledAtMono) {
          cpuPercent = h.cpuPercent; // not read again: keep the last measurement
        }
      } else if (r.cpuPercentOs !== undefined) {
        cpuBasis = 'os';
        cpuPercent = r.cpuPercentOs;
      }
      if (!h) {
        h = { firstPpid: r.ppid, firstSeenAt: wallNow, sampledAtMono: readAt, runMember: false, cpuBasis, seen: gen };
        this.history.set(key, h);
      } else if (h.firstPpid !== r.ppid) {
        byPid ??= new Map(records.map((x) => [x.pid, x]));
        const adopter = byPid.get(r.ppid);
        if (adopter) this.adopters.add(recordKey(adopter));
      }
      h.seen = gen;
      h.cpuTimeMs = r.cpuTimeMs;
      h.sampledAtMono = readAt;
      h.cpuPercent = cpuPercent;
      h.cpuBasis = cpuBasis;
      if (r.state === 'zombie') {
        h.zombieSince ??= wallNow;
      } else {
        h.lastAliveAt = wallNow;
        h.zombieSince = undefined;
        if (r.command) {
          h.lastCommand = r.command;
          h.lastArgv = r.argv;
        }
      }
    }
    // Forget what has gone, so memory stays bounded by the live process count.
    for (const [key, h] of this.history) if (h.seen !== gen) this.history.delete(key);
    for (const key of this.adopters) if (!this.history.has(key)) this.adopters.delete(key);
    return this.history;
  }

  /** Stores what the model worked out, for the next snapshot. */
  remember(items: Iterable<Remembered>): void {
    // (Remembered is a subset of ProcessNode: the model's nodes can be passed as they are.)
    for (const item of items) {
      const h = this.history.get(item.key);
      if (!h) continue;
      if (item.role !== 'unknown') h.lastRole = item.role;
      if (item.runMember) h.runMember = true;
    }
  }

  /** True when this process (by key) belongs to an mpscope run (sticky; see Remembered). */
  isRunMember(key: string): boolean {
    return this.history.get(key)?.runMember ?? false;
  }

  /** True when some process it remembers belongs to an mpscope run. */
  get hasRunMembers(): boolean {
    for (const h of this.history.values()) if (h.runMember) return true;
    return false;
  }

  /** True when this process (by key) was seen adopting a child whose parent died. */
  isLearnedAdopter(key: string): boolean {
    return this.adopters.has(key);
  }
}
