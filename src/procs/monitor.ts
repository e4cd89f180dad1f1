// One object that takes snapshots and keeps the memory between them: a back end, the tracker
// and the launch registry. The view refreshes through it; the CLI uses it for its two samples.
import { performance } from 'perf_hooks';
import { launchRegistry as sharedRegistry, type LaunchRegistry } from './launches';
import { buildModel, rememberedFrom, type ProcessModel } from './model';
import { createProcessSource } from './source';
import { ProcessTracker } from './tracker';
import type { ProcessSource } from './types';

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

  constructor(options: MonitorOptions = {}) {
    this.source = options.source ?? createProcessSource();
    this.registry = options.registry ?? sharedRegistry;
    this.selfUid = options.selfUid ?? (typeof process.getuid === 'function' ? process.getuid() : undefined);
  }

  /** The latest model, if a snapshot was taken. */
  get latest(): ProcessModel | undefined {
    return this.last;
  }

  /** Takes a snapshot. Concurrent callers share the one in flight instead of reading /proc twice. */
  sample(): Promise<ProcessModel> {
    if (!this.inFlight) {
      this.inFlight = this.takeSample().finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private async takeSample(): Promise<ProcessModel> {
    const startedAt = Date.now();
    const records = await this.source.list();
    const takenAt = Date.now();
    const observations = this.tracker.observe(records, takenAt, performance.now());
    const model = buildModel(records, {
      takenAt,
      sourceId: this.source.id,
      capabilities: this.source.capabilities,
      observations,
      registry: this.registry,
      isLearnedAdopter: (key) => this.tracker.isLearnedAdopter(key),
      selfPid: process.pid,
      selfUid: this.selfUid,
    });
    this.tracker.remember(rememberedFrom(model));
    this.registry.prune(new Set(records.map((r) => r.pid)), startedAt);
    this.last = model;
    return model;
  }
}
