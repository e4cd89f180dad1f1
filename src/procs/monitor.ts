// One object that takes snapshots and keeps the memory between them: a back end, the tracker
// and the launch registry. The view refreshes through it; the CLI uses it for its two samples.
import { performance } from 'perf_hooks';
import { launchRegistry as sharedRegistry, type LaunchRegistry } from './launches';
import { buildModel, rememberedFrom, type ProcessModel } from './model';
import { createProcessSource } from './source';
import { relevantRecords } from './relevance';
import { ProcessTracker } from './tracker';
import type { ProcessRecord, ProcessSource } from './types';

export interface MonitorOptions {
  source?: ProcessSource;
  registry?: LaunchRegistry;
  /** The uid whose processes are "mine" (default: this process's). */
  selfUid?: number;
}

export class ProcessMonitor {
  readonly source: ProcessSource;
  readonly registry: LaunchRegistry;
  private readonly tracker = new ProcessTracker();
  private readonly selfUid: number | undefined;
  private inFlight: Promise<ProcessModel> | undefined;
  private last: ProcessModel | undefined;
  private interest: { hot: Set<number>; warm: Set<number> } | undefined;
  /**
   * Read every process on every snapshot. Off by default: then only the processes that matter
   * (see hotPids) are read fresh each time and the others every few seconds, which keeps a 1 Hz
   * refresh cheap. Turn it on when every process is on screen ("all my processes").
   */
  fullRead = false;

  constructor(options: MonitorOptions = {}) {
    this.source = options.source ?? createProcessSource();
    this.registry = options.registry ?? sharedRegistry;
    this.selfUid = options.selfUid ?? (typeof process.getuid === 'function' ? process.getuid() : undefined);
  }

  /** The latest model, if a snapshot was taken. */
  get latest(): ProcessModel | undefined {
    return this.last;
  }

  /**
   * Takes a snapshot. Concurrent callers share the one in flight instead of reading /proc twice.
   * `full` reads every process now (a refresh a person asked for), whatever `fullRead` says.
   */
  sample(options: { full?: boolean } = {}): Promise<ProcessModel> {
    if (!this.inFlight) {
      this.inFlight = this.takeSample(options.full ?? false).finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private async takeSample(full: boolean): Promise<ProcessModel> {
    const startedAt = Date.now();
    const partial = !(full || this.fullRead) && this.interest !== undefined;
    const records = await this.source.list(partial ? this.interest : {});
    const takenAt = Date.now();
    // A partial refresh models only what the default view needs (see relevance.ts).
    const modelled = partial ? relevantRecords(records, this.registry, this.tracker) : records;
    const observations = this.tracker.observe(modelled, takenAt, performance.now());
    const model = buildModel(modelled, {
      takenAt,
      sourceId: this.source.id,
      capabilities: this.source.capabilities,
      observations,
      registry: this.registry,
      isLearnedAdopter: (key) => this.tracker.isLearnedAdopter(key),
      selfPid: process.pid,
      selfUid: this.selfUid,
      partial,
    });
    this.tracker.remember(rememberedFrom(model));
    this.interest = interestOf(model, records);
    if (!this.registry.isEmpty || this.registry.hasAnnotations) {
      this.registry.prune(new Set(records.map((r) => r.pid)), startedAt);
    }
    this.last = model;
    return model;
  }
}

/**
 * What a refresh must read fresh (hot): Python processes, run members, zombies and orphans (what
 * the default view shows) and their parents (a parent that changes). What it should read every
 * few seconds (warm): their other children, which may turn into zombies. The rest can wait.
 */
export function interestOf(model: ProcessModel, records: readonly ProcessRecord[]): { hot: Set<number>; warm: Set<number> } {
  const hot = new Set<number>();
  for (const n of model.nodes.values()) {
    if (!(n.isPython || n.runMember || n.zombie || n.orphan)) continue;
    hot.add(n.pid);
    hot.add(n.ppid);
  }
  const warm = new Set<number>();
  for (const r of records) if (hot.has(r.ppid) && !hot.has(r.pid)) warm.add(r.pid);
  return { hot, warm };
}
