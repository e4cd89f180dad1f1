// "Dump stacks" for any process of a run, at any time (the VS Code layer calls this; the JSON
// report carries the same data for the processes of a deadlock): every thread's frames with the
// innermost frame of the user's code marked, what each thread waits on (and who holds it), and
// the primitives the process holds, with the lines where it acquired them.
import type { Session } from '../session';
import { analyze } from './analyze';
import type { Frame, Loc } from './model';
import { buildSnapshot, labelsFor, type DumpReply } from './snapshot';
import { StateFiles } from './stateFile';

export interface ThreadStacks {
  thread: string;
  id: number;
  main: boolean;
  daemon: boolean;
  /** multiprocessing's own thread (queue feeder, pool handler). */
  helper: boolean;
  /** Innermost first. */
  frames: Frame[];
  /** Index in frames of the innermost frame of the user's code, or -1. */
  userFrame: number;
  wait: {
    op: string;
    /** "Lock#1", "Queue#2", "Process-1 (pid 4312)"... */
    on: string;
    site: Loc | null;
    since: number | null;
    holders: Array<{ pid: number; name: string; site: Loc | null; dead: boolean }>;
  } | null;
}

export interface ProcessStacks {
  pid: number;
  name: string;
  threads: ThreadStacks[];
  held: Array<{ id: string; label: string; kind: string; count: number | null; site: Loc | null }>;
}

export async function dumpProcessStacks(session: Session, pid: number, timeoutMs = 2000): Promise<ProcessStacks> {
  const reply = (await session.dumpStacks(pid, timeoutMs)) as unknown as DumpReply & { held?: unknown[] };
  const labels = labelsFor(session);
  const dir = session.runDir;
  const files = dir ? new StateFiles(dir) : null;
  const snap = files ? buildSnapshot(session.model, files, labels, new Map([[pid, reply]])) : null;
  const a = snap ? analyze(snap) : null;
  const me = snap?.processes.find((p) => p.pid === pid);
  const name = (pid: number) => session.model.processes.get(pid)?.name ?? `pid ${pid}`;
  const threads: ThreadStacks[] = [];
  for (const raw of reply.threads) {
    const o = raw as Record<string, unknown>;
    const snapThread = me?.threads.find((t) => t.tid === o.id);
    const frames = snapThread?.frames ?? [];
    const w = snapThread?.wait ?? null;
    let on = w?.prim ? (labels.get(w.prim.id)?.label ?? w.prim.kind) : '';
    if (w?.op === 'process-join') on = `${name(w.target ?? 0)} (pid ${w.target})`;
    if (w?.op === 'thread-join') on = me?.threads.find((t) => t.tid === w.target)?.name ?? `thread ${w.target}`;
    threads.push({
      thread: String(o.thread ?? o.id),
      id: Number(o.id),
      main: o.main === true,
      daemon: o.daemon === true,
      helper: o.helper === true,
      frames,
      userFrame: frames.findIndex((f) => f.user),
      wait: w
        ? {
            op: w.op,
            on,
            site: w.site,
            since: w.since || null,
            holders:
              w.prim && a
                ? a.holders(w.prim.id).map((h) => ({ pid: h.pid, name: name(h.pid), site: h.site, dead: h.dead }))
                : [],
          }
        : snapThread?.localWait
          ? { op: 'local', on: snapThread.localWait.what, site: snapThread.localWait.site, since: null, holders: [] }
          : null,
    });
  }
  const held = (Array.isArray(reply.held) ? reply.held : []).map((raw) => {
    const o = raw as Record<string, unknown>;
    const id = String(o.id);
    const kind = String(o.kind ?? 'Lock');
    const site = o.site && typeof o.site === 'object' ? (o.site as Loc) : null;
    return { id, kind, label: labels.get(id)?.label ?? labels.see(id, kind).label, count: typeof o.count === 'number' ? o.count : null, site };
  });
  return { pid, name: name(pid), threads, held };
}
