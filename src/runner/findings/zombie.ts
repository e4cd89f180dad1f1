// `zombie`: a child that exited but whose exit status nobody collected for longer than the
// threshold, so it sat in the process table as <defunct>. The parent is judged on the time it
// could have collected it: from the child's actual death (not its exit message, sent before the
// interpreter has finished exiting) to the reap, less the time the parent spent starting or
// joining its other children (start them all, then join them in order), was stopped (SIGSTOP,
// Ctrl-Z, a debugger) or waited for a CPU (a starved machine). See parentPauses.ts.
import type { Finding } from './types';
import { type FindingContext, isUsers, label, loc, seconds, where } from './context';
import { deathTime, type Interval } from './parentPauses';

/** Pauses shorter than this are not worth a word in the message. */
const MENTION_PAUSE_MS = 100;

function overlap(a: Interval, intervals: Interval[]): number {
  // Merge the intervals clipped to a, then sum.
  const clipped = intervals
    .map(([s, e]): Interval => [Math.max(s, a[0]), Math.min(e, a[1])])
    .filter(([s, e]) => e > s)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let cur: Interval | null = null;
  for (const iv of clipped) {
    if (cur && iv[0] <= cur[1]) cur[1] = Math.max(cur[1], iv[1]);
    else {
      if (cur) total += cur[1] - cur[0];
      cur = [iv[0], iv[1]];
    }
  }
  if (cur) total += cur[1] - cur[0];
  return total;
}

export function zombieFindings(ctx: FindingContext): Finding[] {
  const { model } = ctx;
  // What each parent spent managing its children: joining them, and starting them (a parent
  // that starts 100 processes and then joins them all is not neglecting the first ones).
  const busyBy = new Map<number, Array<{ child: number; iv: Interval }>>();
  const busy = (by: number, child: number, iv: Interval) => {
    const list = busyBy.get(by) ?? [];
    list.push({ child, iv });
    busyBy.set(by, list);
  };
  for (const p of model.all()) {
    for (const j of p.joins) busy(j.by, p.pid, [j.began, j.ended]);
    if (p.startedBy !== null && p.startCall !== null) busy(p.startedBy, p.pid, p.startCall);
  }
  const out: Finding[] = [];
  for (const p of model.all()) {
    if (!isUsers(ctx, p) || p.pid === model.mainPid) continue;
    const parentPid = p.currentPpid ?? p.osPpid;
    if (parentPid === null || parentPid === model.supervisorPid && !p.adopted) continue;
    const died = deathTime(p);
    if (died === null) continue;
    if (ctx.stopAt !== null && ctx.stopReason !== 'leftover' && died >= ctx.stopAt - 1) continue;
    const reaped = p.reapedAt ?? ctx.endedAt;
    // The OS parent is who must reap it (a forkserver child is reaped by the forkserver).
    const reaper = model.processes.get(p.osPpid ?? -1);
    const others = (busyBy.get(reaper?.pid ?? -1) ?? []).filter((j) => j.child !== p.pid).map((j) => j.iv);
    const stopped = ctx.pauses?.stopped.get(reaper?.pid ?? -1) ?? [];
    const starved = ctx.pauses?.starvedMs.get(p) ?? 0;
    // Starvation is a sum, not an interval: it may overlap time already excused, which errs
    // towards not blaming the program, and only where the machine was starved.
    const waited = reaped - died - overlap([died, reaped], [...others, ...stopped]) - starved;
    const paused = overlap([died, reaped], stopped) + starved;
    if (waited <= ctx.zombieThresholdMs) continue;
    const parent = model.parentOf(p) ?? reaper;
    const reapedHow = p.reapedAt === null
      ? 'until the end of the run'
      : p.reapedBy === model.supervisorPid
        ? `until its parent exited and mpscope's supervisor reaped it`
        : `until its parent collected it${p.reaps[0]?.site ? ` at ${where(p.reaps[0].site)}` : ''}`;
    out.push({
      kind: 'zombie',
      severity: 'warning',
      message:
        `${label(p)}, started at ${where(p.startSite)}, exited but stayed a zombie (<defunct>) for ${seconds(waited)} ` +
        `${reapedHow}: ${parent ? label(parent) : 'its parent'} did not join or wait for it while it kept running` +
        (paused >= MENTION_PAUSE_MS ? ` (not counting ${seconds(paused)} its parent was stopped or waiting for a CPU).` : '.'),
      pids: parent ? [p.pid, parent.pid] : [p.pid],
      locations: [
        ...loc(p.startSite, parent?.pid ?? null, 'start'),
        ...(p.reaps[0]?.site ? loc(p.reaps[0].site, p.reaps[0].by, 'reaped') : []),
      ],
    });
  }
  return out;
}
