// `unjoined`: a multiprocessing Process (or a Pool/ProcessPoolExecutor) the program started and
// never joined. Says whether multiprocessing joined it implicitly at interpreter exit, killed it
// there (daemons), or whether it was left running.
import type { Finding } from './types';
import { joinStatus } from '../model';
import { type FindingContext, isUsers, label, loc, stoppedByUs, where } from './context';

export function unjoinedFindings(ctx: FindingContext): Finding[] {
  const { model } = ctx;
  const out: Finding[] = [];
  for (const p of model.all()) {
    if (p.startKind !== 'process' || !isUsers(ctx, p)) continue;
    const parent = model.parentOf(p);
    if (!parent || parent.role === 'helper') continue;
    const status = joinStatus(p, parent.pid);
    if (status === 'explicit') continue;
    if (stoppedByUs(ctx, p) || stoppedByUs(ctx, parent)) continue;
    const start = `${label(p)}, started at ${where(p.startSite)}`;
    const reap = p.reaps.find((r) => r.by === parent.pid && !r.atExit);
    const parentEnd = model.exitTime(parent);
    const childEnd = model.exitTime(p);
    const outlived = p.adopted || (parentEnd !== null && (childEnd === null || childEnd > parentEnd));
    let severity: Finding['severity'] = 'warning';
    let message: string;
    if (status === 'terminated-at-exit') {
      severity = 'info';
      message = `${start}, was never joined: it is a daemon process, so multiprocessing terminated it (SIGTERM) when its parent exited, in the middle of whatever it was doing.`;
    } else if (status === 'at-exit') {
      message = `${start}, was never joined: its parent reached the end of the program and then waited for it in multiprocessing's exit handler (joined implicitly at interpreter exit). Join it explicitly where its result is needed.`;
    } else if (status === 'reaped') {
      severity = 'info';
      message = `${start}, was never joined; its exit was only collected implicitly${reap?.site ? ` at ${where(reap.site)}` : ''} (is_alive(), active_children() or the next start()).`;
    } else if (outlived && p.killedByRunner) {
      message = `${start}, was never joined and was left running: it was still running when the run ended, and mpscope terminated it.`;
    } else if (outlived) {
      message = `${start}, was never joined and was left running after its parent ${label(parent)} exited.`;
    } else {
      message = `${start}, was never joined.`;
    }
    out.push({
      kind: 'unjoined',
      severity,
      message,
      pids: [p.pid, parent.pid],
      locations: loc(p.startSite, parent.pid, 'start'),
    });
  }
  out.push(...ownerFindings(ctx));
  return out;
}

const CLOSING_OPS = new Set(['close', 'terminate', 'join', 'shutdown']);

function ownerFindings(ctx: FindingContext): Finding[] {
  const { model } = ctx;
  const out: Finding[] = [];
  for (const o of model.owners.values()) {
    if (o.ops.some((op) => !op.atExit && CLOSING_OPS.has(op.op))) continue;
    const owner = model.processes.get(o.pid);
    if (owner && stoppedByUs(ctx, owner)) continue;
    const workers = model.all().filter((p) => p.owner === o.id);
    if (workers.length === 0) continue;
    const statuses = workers.map((w) => joinStatus(w, o.pid));
    const terminatedAtExit = statuses.includes('terminated-at-exit');
    const joinedAtExit = statuses.includes('at-exit');
    const fate = terminatedAtExit
      ? 'were terminated at interpreter exit'
      : joinedAtExit
        ? 'were joined implicitly at interpreter exit'
        : 'were cleaned up only when the object was garbage-collected';
    const fix =
      o.type === 'Pool'
        ? 'closed and joined (use `with Pool(...) as pool:`, or pool.close() then pool.join())'
        : 'shut down (use `with ProcessPoolExecutor(...) as executor:`, or executor.shutdown())';
    out.push({
      kind: 'unjoined',
      severity: 'warning',
      message: `${o.type} created at ${where(o.site)} was never ${fix}; its ${workers.length} worker process${workers.length === 1 ? '' : 'es'} ${fate}.`,
      pids: [o.pid, ...workers.map((w) => w.pid)],
      locations: loc(o.site, o.pid, 'start'),
    });
  }
  return out;
}
