// `orphan`: a process whose parent died first. With the supervisor as child subreaper the
// orphan is re-parented to it (not to init), so we see it, reap it, and know its exit status.
import type { Finding } from './types';
import { type FindingContext, howEnded, isUsers, label, loc, seconds, stoppedByUs, where } from './context';

export function orphanFindings(ctx: FindingContext): Finding[] {
  const { model } = ctx;
  const out: Finding[] = [];
  for (const p of model.all()) {
    if (!isUsers(ctx, p) || p.pid === model.mainPid) continue;
    const parent = model.parentOf(p);
    if (!parent || parent.role === 'helper') continue;
    if (p.reapedBy === parent.pid || p.reaps.some((r) => r.by === parent.pid)) continue;
    const parentEnd = model.exitTime(parent);
    if (parentEnd === null) continue;
    const childEnd = model.exitTime(p);
    if (childEnd !== null && childEnd <= parentEnd) continue;
    if (!p.adopted && childEnd !== null && childEnd - parentEnd < 20) continue;
    if (stoppedByUs(ctx, parent) || (stoppedByUs(ctx, p) && !p.adopted)) continue;
    const parentHow =
      parent.exitHow === 'os._exit'
        ? `called os._exit()${parent.exitSite ? ` at ${where(parent.exitSite)}` : ''}`
        : howEnded(parent);
    const fate = p.killedByRunner
      ? 'it was still running when the run ended, and mpscope terminated it'
      : childEnd !== null
        ? `it ran ${seconds(childEnd - parentEnd)} longer`
        : 'it was still running';
    out.push({
      kind: 'orphan',
      severity: 'warning',
      message:
        `${label(p)}, started at ${where(p.startSite)}, was orphaned: its parent ${label(parent)} ${parentHow} first, ` +
        `without joining it; ${fate}${model.subreaper ? " (re-parented to mpscope's supervisor, which reaped it)" : ''}.`,
      pids: [p.pid, parent.pid],
      locations: [...loc(p.startSite, parent.pid, 'start'), ...loc(parent.exitSite, parent.pid, 'parent-exit')],
    });
  }
  return out;
}
