// Deadlock detection (issue 5): the detector every session runs (src/runner/detectors.ts).
//
// While the run lasts it polls the agents' state files (a few KB per process, every
// POLL_MS): each process records there, as they begin, the waits of its threads and the
// primitives it holds (src/agent/mpscope_agent/sync.py). When the analysis (analyze.ts) finds
// threads that can never proceed, the detector waits until the last of those waits is
// hangTimeoutMs old, then CONFIRMS: it asks every live process of the run for its stacks
// (dump_stacks, over the agent channel), re-runs the analysis on the complete thread lists,
// and reports only threads still blocked in the very same waits. A process that does not answer
// in time is not confirming (unless it has died), and the detector tries again later.
//
// The run's processes come and go (a Pool replaces its workers), and a new one takes a while to
// connect (arrivals.ts): a process still starting counts as running (it may wake anybody, and it
// cannot be asked for its stacks), and the hangTimeoutMs are counted from the last change in
// the set of processes too, so that the last process that could wake the waiters had the whole
// timeout to be replaced (analysis formedAt), both when a candidate is found and when confirmed.
//
// The state files' records of who holds a Lock or RLock may be stale (the agent does not record
// their releases: model.ts HeldPrim.maybe). So the candidates are judged pessimistically (a
// wait on a lock with several possible holders is blocked unless all of them can proceed), and
// the confirmation, on the dumps' exact holdings, decides.
//
// After reporting: `onDeadlock: 'kill'` (the CLI's default) stops the run; 'keep' leaves it
// running so the user can look at the live processes. Findings are also emitted at once as the
// session event 'deadlock' (Finding[]).
//
// A Pool whose initializer raises in every worker is recognised apart (crashLoop.ts): its
// workers never stop coming and going, so the set of processes never stays the same.
//
// At the end of the run, the lock-order journal gives the potential deadlocks (lockOrder.ts).
import type { Detector } from '../detector';
import type { Finding } from '../findings/types';
import type { Session } from '../session';
import { analyze, type Analysis } from './analyze';
import { poolCrashLoops, type PoolCrashLoop } from './crashLoop';
import { deadlockFindings, poolCrashLoopFinding } from './findings';
import { potentialDeadlockFindings } from './lockOrder';
import { threadKey, type Snapshot } from './model';
import { buildSnapshot, isAlive, labelsFor, PrimLabels, type DumpReply } from './snapshot';
import { StateFiles } from './stateFile';

export { dumpProcessStacks, type ProcessStacks } from './stacks';

/** How often the state files are read. */
export const POLL_MS = 100;
/** How long a process may take to answer the confirmation request. */
export const CONFIRM_TIMEOUT_MS = 500;

export interface DeadlockDetector extends Detector {
  /** Active deadlocks reported so far in this run. */
  readonly reported: Finding[];
}

export function createDeadlockDetector(): DeadlockDetector {
  let session: Session | null = null;
  let files: StateFiles | null = null;
  let labels = new PrimLabels();
  const reported: Finding[] = [];
  // Waits already reported (pid/tid@since): the same deadlock is reported once.
  const reportedWaits = new Set<string>();
  // Deadlock candidates that could not be confirmed: not before this time again.
  const retryAt = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  let wake: NodeJS.Timeout | null = null;
  let confirming = false;
  let reportedLocks: string[][] = [];
  // Pools already reported as crash-looping (crashLoop.ts), by owner id.
  const reportedLoops = new Set<string>();

  const hangTimeoutMs = () => Math.max(0, session?.options.hangTimeoutMs ?? 1000);

  const signature = (a: Analysis) =>
    a.deadlocked
      .map((b) => `${threadKey(b.proc.pid, b.thread.tid)}@${b.thread.wait?.since ?? 0}`)
      .sort()
      .join(',');

  const stop = () => {
    if (timer) clearInterval(timer);
    if (wake) clearTimeout(wake);
    timer = wake = null;
  };

  const snapshotNow = (dumps?: Map<number, DumpReply | null>): Snapshot | null => {
    if (!session || !files) return null;
    return buildSnapshot(session.model, files, labels, dumps);
  };

  const tick = () => {
    if (!session || session.state !== 'running' || confirming) return;
    if (!files) {
      const dir = session.runDir;
      if (!dir) return;
      files = new StateFiles(dir);
    }
    const snap = snapshotNow();
    if (!snap) return;
    const loops = poolCrashLoops(session.model, snap, hangTimeoutMs()).filter((l) => !reportedLoops.has(l.owner.id));
    if (loops.length > 0) {
      confirming = true;
      void confirmLoops(loops).finally(() => {
        confirming = false;
      });
      return;
    }
    const a = analyze(snap, { uncertain: 'all' });
    const fresh = a.deadlocked.filter(
      (b) => !reportedWaits.has(`${threadKey(b.proc.pid, b.thread.tid)}@${b.thread.wait?.since ?? 0}`),
    );
    if (fresh.length === 0 || a.formedAt === null) return;
    const sig = signature(a);
    const now = Date.now();
    const due = Math.max(a.formedAt + hangTimeoutMs(), retryAt.get(sig) ?? 0);
    if (now < due) {
      // Come back exactly when it is due rather than on the next poll.
      if (wake) clearTimeout(wake);
      wake = setTimeout(tick, due - now);
      return;
    }
    confirming = true;
    void confirm(a).finally(() => {
      confirming = false;
    });
  };

  /** The stacks of these processes; null for one that did not answer in time. */
  const dumpAll = async (pids: number[]): Promise<Map<number, DumpReply | null>> => {
    const s = session!;
    const replies = await Promise.all(
      pids.map((pid) =>
        s.dumpStacks(pid, CONFIRM_TIMEOUT_MS).then(
          (r) => [pid, r as unknown as DumpReply] as const,
          () => [pid, null] as const,
        ),
      ),
    );
    return new Map<number, DumpReply | null>(replies);
  };

  /** Findings confirmed: record them, tell the session, and stop the run unless told to keep it. */
  const report = (findings: Finding[], waits: string[]) => {
    const s = session!;
    for (const w of waits) reportedWaits.add(w);
    for (const f of findings) {
      const d = f.details as Record<string, unknown>;
      d.detectedAt = Date.now();
      reported.push(f);
    }
    s.emit('deadlock', findings);
    if (s.options.onDeadlock !== 'keep') void s.stop('deadlock');
  };

  // A crash-looping Pool is confirmed as a deadlock is: its waiters' stacks must show them
  // still in the same waits for its results.
  const confirmLoops = async (candidates: PoolCrashLoop[]): Promise<void> => {
    const s = session!;
    const dumps = await dumpAll([...new Set(candidates.flatMap((l) => l.waiting.map((b) => b.proc.pid)))]);
    if (s.state !== 'running') return;
    const snap = snapshotNow(new Map([...dumps].filter(([, r]) => r !== null)));
    if (!snap) return;
    const findings: Finding[] = [];
    const waits: string[] = [];
    for (const loop of poolCrashLoops(s.model, snap, hangTimeoutMs())) {
      const before = candidates.find((c) => c.owner.id === loop.owner.id);
      if (!before || reportedLoops.has(loop.owner.id)) continue;
      const still = loop.waiting.filter(
        (b) => dumps.get(b.proc.pid) && before.waiting.some((x) => x.proc.pid === b.proc.pid && x.thread.tid === b.thread.tid),
      );
      if (still.length === 0) continue;
      reportedLoops.add(loop.owner.id);
      findings.push(poolCrashLoopFinding(snap, { ...loop, waiting: still }));
      for (const b of still) waits.push(`${threadKey(b.proc.pid, b.thread.tid)}@${b.thread.wait?.since ?? 0}`);
    }
    if (findings.length > 0) report(findings, waits);
  };

  const confirm = async (candidate: Analysis): Promise<void> => {
    const s = session!;
    // Processes still starting cannot answer yet: the snapshot counts them as running.
    const live = s.model.all().filter((p) => p.python && p.role !== 'helper' && isAlive(s.model, p));
    const dumps = await dumpAll(live.map((p) => p.pid));
    if (s.state !== 'running') return;
    const snap = snapshotNow(new Map([...dumps].filter(([, r]) => r !== null)));
    if (!snap) return;
    const a = analyze(snap);
    // A process started, connected or ended while the stacks were asked for: not due yet (tick
    // comes back when it is).
    if (a.formedAt !== null && a.formedAt + hangTimeoutMs() > Date.now()) return;
    const before = new Set(candidate.deadlocked.map((b) => `${threadKey(b.proc.pid, b.thread.tid)}@${b.thread.wait?.since ?? 0}`));
    // Every deadlocked thread must still be in the same wait, and every live process involved
    // must have answered (a process that died meanwhile needs no answer).
    const silent = a.deadlocked.some((b) => dumps.get(b.proc.pid) === null && isAlive(s.model, s.model.get(b.proc.pid)));
    const same =
      a.deadlocked.length > 0 &&
      a.deadlocked.every((b) => before.has(`${threadKey(b.proc.pid, b.thread.tid)}@${b.thread.wait?.since ?? 0}`));
    if (silent || !same) {
      retryAt.set(signature(candidate), Date.now() + Math.max(hangTimeoutMs(), 250));
      return;
    }
    const findings = deadlockFindings(snap, a, {
      lastPuts: (pid) => lastPuts(snap, files!, pid),
    });
    reportedLocks = reportedLocks.concat(lockSets(a));
    report(
      findings,
      a.deadlocked.map((b) => `${threadKey(b.proc.pid, b.thread.tid)}@${b.thread.wait?.since ?? 0}`),
    );
  };

  return {
    name: 'deadlock',
    reported,
    attach(s: Session) {
      session = s;
      labels = labelsFor(s);
      const start = () => {
        if (!timer) timer = setInterval(tick, Math.min(POLL_MS, Math.max(10, hangTimeoutMs() / 4)));
      };
      s.on('started', start);
      s.on('hello', start);
      s.on('end', stop);
    },
    finish(s: Session) {
      stop();
      session = s;
      const dir = s.runDir;
      if (!files && dir) files = new StateFiles(dir);
      const out = [...reported];
      if (files) {
        const facts = files.facts();
        for (const p of facts.prims) labels.see(p.id, p.kind, p.site ?? null);
        const byPid = new Map(s.model.all().map((p) => [p.pid, p]));
        // A semaphore released by processes that never acquired it is a signal, not a lock:
        // the order in which signals are waited for is no lock order.
        const orders = facts.orders.filter((o) => !facts.signals.has(o.a) && !facts.signals.has(o.b));
        out.push(
          ...potentialDeadlockFindings(
            orders,
            {
              label: (id, kind) => labels.get(id)?.label ?? labels.see(id, kind).label,
              process: (pid) => {
                const p = byPid.get(pid);
                return p?.name ? `${p.name} (pid ${pid})` : `pid ${pid}`;
              },
            },
            // An inversion that did deadlock is reported as the deadlock, not twice.
            (locks) => reportedLocks.some((set) => locks.every((l) => set.includes(l))),
          ),
        );
      }
      return out;
    },
  };
}

/** The owned primitives of each reported deadlock (to skip the same inversion as "potential"). */
function lockSets(a: Analysis): string[][] {
  return a.groups.map((g) =>
    [...g.members, ...g.dependents].map((b) => b.thread.wait?.prim?.id).filter((x): x is string => !!x),
  );
}

function lastPuts(snap: Snapshot, files: StateFiles, pid: number) {
  const out: Array<{ id: string; site: NonNullable<ReturnType<StateFiles['lastPut']>> }> = [];
  for (const info of snap.prims.values()) {
    if (info.kind !== 'Queue' && info.kind !== 'JoinableQueue') continue;
    const site = files.lastPut(pid, info.id);
    if (site) out.push({ id: info.id, site });
  }
  return out;
}
