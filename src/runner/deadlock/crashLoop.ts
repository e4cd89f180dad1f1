// A Pool whose initializer raises: each worker dies as it starts, the Pool replaces it at once,
// forever, and a map() or get() without a timeout waits for results that never come. The wait
// analysis (analyze.ts) cannot see it: workers keep starting (each may wake the waiter while it
// is still starting) and the set of processes never stays the same for the hang timeout. So it
// is recognised from what the workers said: every worker of the Pool that ended raised in its
// initializer (findings/childException.ts), enough of them to be sure, and none lives long
// enough to have got past it.
import { failedInPoolInitializer } from '../findings/childException';
import type { ExceptionRecord, OwnerRecord, ProcessRecord, RunModel } from '../model';
import type { Blocked } from './analyze';
import type { Snapshot } from './model';

/** Workers that failed in the initializer before the Pool counts as crash-looping. */
export const CRASH_LOOP_MIN_FAILURES = 4;

export interface PoolCrashLoop {
  owner: OwnerRecord;
  /** Its workers that raised in the initializer, oldest first. */
  failed: ProcessRecord[];
  /** The first of those exceptions. */
  exception: ExceptionRecord;
  /** Threads waiting without a timeout for the Pool's results, each for hangTimeoutMs or longer. */
  waiting: Blocked[];
}

/** The Pools of the run that crash-loop while somebody waits for their results. */
export function poolCrashLoops(model: RunModel, snap: Snapshot, hangTimeoutMs: number, now = snap.now): PoolCrashLoop[] {
  const out: PoolCrashLoop[] = [];
  for (const owner of model.owners.values()) {
    if (owner.type !== 'Pool') continue;
    const waiting: Blocked[] = [];
    for (const proc of snap.processes) {
      if (!proc.alive) continue;
      for (const thread of proc.threads) {
        const w = thread.wait;
        if (w?.op === 'pool-result' && w.prim?.id === owner.id && now - w.since >= hangTimeoutMs) waiting.push({ proc, thread });
      }
    }
    if (waiting.length === 0) continue;
    const workers = model
      .all()
      .filter((p) => p.owner === owner.id)
      .sort((a, b) => (a.startTime ?? 0) - (b.startTime ?? 0));
    const failed: ProcessRecord[] = [];
    let established = false;
    for (const p of workers) {
      const ended = model.exitTime(p) !== null;
      if (p.exceptions.some(failedInPoolInitializer)) failed.push(p);
      else if (ended || p.startTime === null || now - p.startTime >= hangTimeoutMs) established = true; // got past it, or may have
    }
    if (established || failed.length < CRASH_LOOP_MIN_FAILURES) continue;
    const exception = failed[0].exceptions.find(failedInPoolInitializer)!;
    out.push({ owner, failed, exception, waiting });
  }
  return out;
}
