// Reads the agent's per-process deadlock state: sync-<pid>.state (a table of int64 words the
// agent writes with plain memory stores: wait records and held primitives) and sync-<pid>.log
// (an append-only journal of JSON lines: what the slots of the table stand for). Layout:
// src/agent/mpscope_agent/protocol/deadlock.json "stateFile"; writer: syncstate.py.
//
// The files outlive their process (the run directory is removed only when the session closes),
// which is how the locks a killed process held are known.
import * as fs from 'fs';
import * as path from 'path';
import { STATE_FILE, WAIT_OPS, type WaitOp } from './protocol';
import type { Loc } from './model';

const L = STATE_FILE;
const MAGIC = BigInt(L.magic);
const THREADS_AT = L.headerWords;
const PRIMS_AT = THREADS_AT + L.threadSlots * L.threadWords;

export interface JournalPrim {
  slot: number;
  id: string;
  kind: string;
  site?: Loc;
}

export interface OrderRecord {
  pid: number;
  a: string;
  aKind: string;
  aSite: Loc | null;
  b: string;
  bKind: string;
  bSite: Loc | null;
  thread: string | null;
}

export interface StateWait {
  tid: number;
  thread: string;
  helper: boolean;
  op: WaitOp;
  prim: { id: string; kind: string } | null;
  /** Epoch ms when the wait began. */
  since: number;
  /** Not in the state file: a stack dump gives where the thread waits. */
  site: Loc | null;
  /** The pid of a process-join, the thread ident of a thread-join. */
  target: number | null;
}

export interface StateHeld {
  id: string;
  kind: string;
  /** Where it was last acquired (or, for a queue, where it was last put on). */
  site: Loc | null;
}

/** One process's state as its files say now. */
export interface ProcessState {
  pid: number;
  /** Live threads that are not multiprocessing helpers. */
  userThreads: number;
  waits: StateWait[];
  held: StateHeld[];
  /** It passed its exit point (journal "exit"): its held records are exact from then on. */
  exited: boolean;
}

/** The journal of one process, read incrementally. */
class Journal {
  offset = 0;
  partial = '';
  readonly prims = new Map<number, JournalPrim>();
  readonly codes = new Map<number, { file: string; name: string; lines: number[][] }>();
  readonly threads = new Map<number, { tid: number; name: string; helper: boolean }>();
  readonly orders: OrderRecord[] = [];
  readonly signals = new Set<string>();
  readonly pipes: Array<{ a: string; b: string; site: Loc | null }> = [];
  exited = false;

  constructor(
    readonly pid: number,
    readonly file: string,
  ) {}

  update(): void {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size < this.offset) {
        // Truncated: a new process reused the pid. Start over.
        this.offset = 0;
        this.partial = '';
        this.prims.clear();
        this.codes.clear();
        this.threads.clear();
        this.exited = false;
      }
      if (size === this.offset) return;
      const buf = Buffer.alloc(size - this.offset);
      const n = fs.readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const text = this.partial + buf.subarray(0, n).toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.apply(line);
    } finally {
      fs.closeSync(fd);
    }
  }

  private apply(line: string): void {
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return; // a line cut by a kill: skip it
    }
    switch (r.t) {
      case 'prim':
        if (typeof r.slot === 'number' && typeof r.id === 'string') {
          const old = this.prims.get(r.slot);
          const site = asLoc(r.site) ?? old?.site;
          this.prims.set(r.slot, { slot: r.slot, id: r.id, kind: String(r.kind ?? 'Lock'), ...(site ? { site } : {}) });
        }
        break;
      case 'code':
        if (typeof r.idx === 'number') {
          const lines = Array.isArray(r.lines) ? (r.lines as unknown[]).filter((x): x is number[] => Array.isArray(x) && x.length === 3) : [];
          this.codes.set(r.idx, { file: String(r.file), name: String(r.name), lines });
        }
        break;
      case 'thread':
        if (typeof r.slot === 'number') {
          this.threads.set(r.slot, { tid: Number(r.tid), name: String(r.name), helper: r.helper === true });
        }
        break;
      case 'order':
        if (typeof r.a === 'string' && typeof r.b === 'string') {
          this.orders.push({
            pid: this.pid,
            a: r.a,
            aKind: String(r.aKind ?? 'Lock'),
            aSite: asLoc(r.aSite),
            b: r.b,
            bKind: String(r.bKind ?? 'Lock'),
            bSite: asLoc(r.bSite),
            thread: typeof r.thread === 'string' ? r.thread : null,
          });
        }
        break;
      case 'signal':
        if (typeof r.id === 'string') this.signals.add(r.id);
        break;
      case 'exit':
        this.exited = true;
        break;
      case 'pipe':
        if (typeof r.a === 'string' && typeof r.b === 'string') this.pipes.push({ a: r.a, b: r.b, site: asLoc(r.site) });
        break;
    }
  }

  loc(code: number, line: number): Loc | null {
    const c = this.codes.get(code);
    if (!c || line <= 0) return null;
    return { file: c.file, line, function: c.name };
  }

  /** A primitive record's site: the bytecode offset of the call, mapped to its line. */
  locAt(code: number, offset: number): Loc | null {
    const c = this.codes.get(code);
    if (!c || offset <= 0) return null;
    const range = c.lines.find(([start, end]) => start <= offset && offset < end);
    return range ? { file: c.file, line: range[2], function: c.name } : null;
  }
}

export function asLoc(v: unknown): Loc | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.file !== 'string' || typeof o.line !== 'number' || o.line < 1) return null;
  const loc: Loc = { file: o.file, line: o.line };
  if (typeof o.function === 'string') loc.function = o.function;
  return loc;
}

/** The state files of one run directory. */
export class StateFiles {
  private readonly journals = new Map<number, Journal>();
  /** Processes that have exited: their files do not change any more, read once. */
  private readonly final = new Map<number, ProcessState | null>();

  constructor(readonly dir: string) {}

  /** read() of a process that has exited (cached: its files are final). */
  readFinal(pid: number): ProcessState | null {
    if (!this.final.has(pid)) {
      this.final.set(pid, this.read(pid));
    }
    return this.final.get(pid) ?? null;
  }

  statePath(pid: number): string {
    return path.join(this.dir, `sync-${pid}.state`);
  }

  journal(pid: number): Journal {
    let j = this.journals.get(pid);
    if (!j) {
      j = new Journal(pid, path.join(this.dir, `sync-${pid}.log`));
      this.journals.set(pid, j);
    } else if (this.final.has(pid)) {
      return j;
    }
    j.update();
    return j;
  }

  /** Pids that have state files (every process that used multiprocessing primitives). */
  pids(): number[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    const out: number[] = [];
    for (const n of names) {
      const m = /^sync-(\d+)\.state$/.exec(n);
      if (m) out.push(Number(m[1]));
    }
    return out;
  }

  /** The process's waits and held primitives now, or null without a (valid) state file. */
  read(pid: number): ProcessState | null {
    let fd: number;
    try {
      fd = fs.openSync(this.statePath(pid), 'r');
    } catch {
      return null;
    }
    try {
      const head = Buffer.alloc(PRIMS_AT * 8);
      const n = fs.readSync(fd, head, 0, head.length, 0);
      if (n < PRIMS_AT * 8 || head.readBigInt64LE(L.header.magic * 8) !== MAGIC) return null;
      const word = (buf: Buffer, i: number) => Number(buf.readBigInt64LE(i * 8));
      const journal = this.journal(pid);
      const waits: StateWait[] = [];
      const slots = Math.min(word(head, L.header.threadSlots), L.threadSlots);
      for (let s = 0; s < slots; s++) {
        const b = THREADS_AT + s * L.threadWords;
        if (word(head, b + L.thread.since) <= 0) continue; // not waiting
        const tid = word(head, b + L.thread.tid);
        const t = journal.threads.get(s);
        const primSlot = word(head, b + L.thread.prim) - 1;
        const prim = primSlot >= 0 ? journal.prims.get(primSlot) : undefined;
        const extra = word(head, b + L.thread.extra);
        waits.push({
          tid,
          thread: t && t.tid === tid ? t.name : `Thread-${tid}`,
          helper: t?.helper ?? false,
          op: WAIT_OPS[word(head, b + L.thread.op)] ?? 'lock',
          prim: prim ? { id: prim.id, kind: prim.kind } : null,
          since: word(head, b + L.thread.since),
          site: null, // known from the stack dump (dump_stacks) when confirming
          target: extra || null,
        });
      }
      const held: StateHeld[] = [];
      const used = Math.min(word(head, L.header.primUsed), L.primSlots);
      if (used > 0) {
        const prims = Buffer.alloc(used * L.primWords * 8);
        fs.readSync(fd, prims, 0, prims.length, PRIMS_AT * 8);
        for (let s = 0; s < used; s++) {
          const offset = word(prims, s * L.primWords + L.prim.at);
          if (offset <= 0) continue;
          const p = journal.prims.get(s);
          if (!p || !isOwnedKind(p.kind)) continue;
          held.push({ id: p.id, kind: p.kind, site: journal.locAt(word(prims, s * L.primWords + L.prim.code), offset) });
        }
      }
      return { pid, userThreads: word(head, L.header.userThreads), waits, held, exited: journal.exited };
    } catch {
      return null;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The line of the last put recorded for a queue in a process (feeder-thread hazard). */
  lastPut(pid: number, queueId: string): Loc | null {
    const j = this.journal(pid);
    let fd: number;
    try {
      fd = fs.openSync(this.statePath(pid), 'r');
    } catch {
      return null;
    }
    try {
      for (const p of j.prims.values()) {
        if (p.id !== queueId) continue;
        const buf = Buffer.alloc(L.primWords * 8);
        fs.readSync(fd, buf, 0, buf.length, (PRIMS_AT + p.slot * L.primWords) * 8);
        const offset = Number(buf.readBigInt64LE(L.prim.at * 8));
        const code = Number(buf.readBigInt64LE(L.prim.code * 8));
        return j.locAt(code, offset);
      }
      return null;
    } catch {
      return null;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Every process's journal facts (after the run, or now). */
  facts(pids: number[] = this.pids()): {
    prims: Array<JournalPrim & { pid: number }>;
    orders: OrderRecord[];
    signals: Set<string>;
    pipes: Array<{ a: string; b: string; site: Loc | null }>;
  } {
    const prims: Array<JournalPrim & { pid: number }> = [];
    const orders: OrderRecord[] = [];
    const signals = new Set<string>();
    const pipes: Array<{ a: string; b: string; site: Loc | null }> = [];
    for (const pid of [...pids].sort((a, b) => a - b)) {
      const j = this.journal(pid);
      for (const p of j.prims.values()) prims.push({ ...p, pid });
      orders.push(...j.orders);
      for (const s of j.signals) signals.add(s);
      pipes.push(...j.pipes);
    }
    return { prims, orders, signals, pipes };
  }
}

/** Kinds whose records say "held" (a queue's record holds the line of its last put instead). */
export function isOwnedKind(kind: string): boolean {
  return kind === 'Lock' || kind === 'RLock' || kind === 'Semaphore' || kind === 'BoundedSemaphore' || kind === 'Condition';
}
