// The reader of the agent's state files, on files written here by the layout of deadlock.json
// (the agent's own writer is exercised by the integration tests).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { STATE_FILE as L } from '../../../src/runner/deadlock/protocol';
import { heldFromState } from '../../../src/runner/deadlock/snapshot';
import { StateFiles, type ProcessState } from '../../../src/runner/deadlock/stateFile';

const THREADS_AT = L.headerWords;
const PRIMS_AT = THREADS_AT + L.threadSlots * L.threadWords;

function writeState(dir: string, pid: number, words: Map<number, number>, primUsed: number): void {
  const buf = Buffer.alloc((PRIMS_AT + L.primSlots * L.primWords) * 8);
  buf.writeBigInt64LE(BigInt(L.magic), L.header.magic * 8);
  buf.writeBigInt64LE(BigInt(L.threadSlots), L.header.threadSlots * 8);
  buf.writeBigInt64LE(BigInt(primUsed), L.header.primUsed * 8);
  for (const [i, v] of words) buf.writeBigInt64LE(BigInt(v), i * 8);
  fs.writeFileSync(path.join(dir, `sync-${pid}.state`), buf);
}

describe('deadlock: state files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mps-state-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads wait records, held primitives and the journal, incrementally', () => {
    const pid = 4242;
    const journal = path.join(dir, `sync-${pid}.log`);
    fs.writeFileSync(
      journal,
      [
        { t: 'prim', slot: 0, id: '/mp-a', kind: 'Lock', site: { file: '/x.py', line: 3 } },
        { t: 'prim', slot: 1, id: '/mp-b', kind: 'Lock' },
        { t: 'code', idx: 1, file: '/x.py', name: 'worker', lines: [[0, 10, 11], [10, 20, 12], [20, 30, 15]] },
        { t: 'thread', slot: 0, tid: 77, name: 'MainThread', helper: false },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n{"t":"order","a":"/mp-a"', // a line cut short by a kill
    );
    const t0 = THREADS_AT;
    const words = new Map<number, number>([
      [L.header.userThreads, 1],
      [t0 + L.thread.tid, 77],
      [t0 + L.thread.prim, 2], // slot 1 + 1
      [t0 + L.thread.op, 1],
      [t0 + L.thread.since, 1234],
      [PRIMS_AT + 0 * L.primWords + L.prim.at, 24], // bytecode offset 24: line 15
      [PRIMS_AT + 0 * L.primWords + L.prim.code, 1],
    ]);
    writeState(dir, pid, words, 2);
    const files = new StateFiles(dir);
    assert.deepStrictEqual(files.pids(), [pid]);
    const s = files.read(pid)!;
    assert.strictEqual(s.userThreads, 1);
    assert.deepStrictEqual(s.waits, [
      {
        tid: 77,
        thread: 'MainThread',
        helper: false,
        op: 'lock',
        prim: { id: '/mp-b', kind: 'Lock' },
        since: 1234,
        site: null,
        target: null,
      },
    ]);
    assert.deepStrictEqual(s.held, [{ id: '/mp-a', kind: 'Lock', site: { file: '/x.py', line: 15, function: 'worker' } }]);
    assert.strictEqual(s.exited, false);
    assert.deepStrictEqual(files.facts().orders, []);
    // The rest of the cut line arrives: the journal continues where it stopped.
    fs.appendFileSync(journal, ',"aKind":"Lock","b":"/mp-b","bKind":"Lock","aSite":null,"bSite":null,"thread":"MainThread"}\n');
    assert.strictEqual(files.facts().orders.length, 1);
  });

  it('a file that is not a state file (wrong magic) reads as nothing', () => {
    fs.writeFileSync(path.join(dir, 'sync-5.state'), Buffer.alloc(PRIMS_AT * 8));
    assert.strictEqual(new StateFiles(dir).read(5), null);
    assert.strictEqual(new StateFiles(dir).read(6), null);
  });

  it('the journal says when a process passed its exit point', () => {
    const pid = 4343;
    fs.writeFileSync(path.join(dir, `sync-${pid}.log`), '{"t":"prim","slot":0,"id":"/mp-a","kind":"Lock"}\n');
    writeState(dir, pid, new Map([[L.header.userThreads, 1]]), 1);
    const files = new StateFiles(dir);
    assert.strictEqual(files.read(pid)!.exited, false);
    fs.appendFileSync(path.join(dir, `sync-${pid}.log`), '{"t":"exit"}\n');
    assert.strictEqual(files.read(pid)!.exited, true);
  });
});

describe('deadlock: which held records may be stale', () => {
  const site = { file: '/x.py', line: 3 };
  const state = (more: Partial<ProcessState>): ProcessState => ({
    pid: 1,
    userThreads: 1,
    waits: [],
    held: [
      { id: '/mp-l', kind: 'Lock', site },
      { id: '/mp-r', kind: 'RLock', site },
      { id: '/mp-s', kind: 'Semaphore', site },
      { id: '/mp-c', kind: 'Condition', site },
    ],
    exited: false,
    ...more,
  });
  const wait = (tid: number, helper = false) => ({ tid, thread: `T${tid}`, helper, op: 'lock' as const, prim: null, since: 1, site: null, target: null });
  const maybeIds = (s: ProcessState) => heldFromState(s).filter((h) => h.maybe).map((h) => h.id);

  it('a running process: its Lock and RLock records (released in C, unrecorded) are maybe', () => {
    assert.deepStrictEqual(maybeIds(state({})), ['/mp-l', '/mp-r']);
  });

  it('a process whose threads all wait, or that passed its exit point, has exact records', () => {
    assert.deepStrictEqual(maybeIds(state({ waits: [wait(1)] })), []);
    assert.deepStrictEqual(maybeIds(state({ exited: true })), []);
  });

  it('one thread of two waiting, or only a helper thread: maybe', () => {
    assert.deepStrictEqual(maybeIds(state({ userThreads: 2, waits: [wait(1)] })), ['/mp-l', '/mp-r']);
    assert.deepStrictEqual(maybeIds(state({ waits: [wait(5, true)] })), ['/mp-l', '/mp-r']);
  });
});
