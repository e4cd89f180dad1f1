// Builders for synthetic deadlock snapshots (test/unit/deadlock): processes, threads and waits
// written the way the agent's state files and stack dumps describe them.
import type { HeldPrim, Loc, PrimInfo, ProcSnap, Snapshot, ThreadSnap, Wait, WaitOp } from '../../../src/runner/deadlock/model';

export const FILE = '/work/app/fixture.py';
export const at = (line: number): Loc => ({ file: FILE, line, function: 'worker' });

export function wait(op: WaitOp, prim: string | null, line: number, more: Partial<Wait> = {}): Wait {
  return {
    op,
    prim: prim ? { id: prim, kind: kindOf(prim) } : null,
    since: 1_000,
    site: at(line),
    target: null,
    ...more,
  };
}

/** Ids name their kind in these tests: "Lock:a", "Semaphore:s", "Queue:q". */
export function kindOf(id: string): string {
  return id.split(':')[0];
}

export function thread(tid: number, w: Wait | null, more: Partial<ThreadSnap> = {}): ThreadSnap {
  return { tid, name: tid === 1 ? 'MainThread' : `T${tid}`, helper: false, main: tid === 1, wait: w, ...more };
}

export function held(id: string, line: number): HeldPrim {
  return { id, kind: kindOf(id), site: at(line) };
}

export function proc(pid: number, name: string, threads: ThreadSnap[], more: Partial<ProcSnap> = {}): ProcSnap {
  return {
    pid,
    name,
    alive: true,
    helper: false,
    parent: null,
    userThreads: threads.filter((t) => !t.helper).length,
    threads,
    complete: false,
    held: [],
    exit: null,
    ...more,
  };
}

export function snapshot(processes: ProcSnap[], extra: Partial<Record<string, Partial<PrimInfo>>> = {}): Snapshot {
  const prims = new Map<string, PrimInfo>();
  const counters = new Map<string, number>();
  const see = (id: string) => {
    if (prims.has(id)) return;
    const kind = kindOf(id);
    const n = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, n);
    prims.set(id, { id, kind, label: `${kind}#${n}`, ...(extra[id] ?? {}) });
  };
  for (const p of processes) {
    for (const h of p.held) see(h.id);
    for (const t of p.threads) if (t.wait?.prim) see(t.wait.prim.id);
  }
  // "Pipe:x" ids are ends of the run's own Pipe().
  for (const info of prims.values()) if (info.kind === 'Pipe') info.pipe = true;
  return { now: 10_000, processes, prims };
}

/** N processes in a ring: process i holds lock i and waits for lock i+1; main joins the first. */
export function ring(n: number): Snapshot {
  const procs: ProcSnap[] = [];
  for (let i = 0; i < n; i++) {
    procs.push(
      proc(100 + i, `Process-${i + 1}`, [thread(1, wait('lock', `Lock:${(i + 1) % n}`, 15, { since: 1_000 + i }))], {
        held: [held(`Lock:${i}`, 12)],
        parent: 99,
      }),
    );
  }
  procs.unshift(proc(99, 'MainProcess', [thread(1, wait('process-join', null, 28, { target: 100 }))]));
  return snapshot(procs);
}
