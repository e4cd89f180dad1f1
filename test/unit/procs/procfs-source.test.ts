// The procfs back end over a synthetic /proc tree: processes that vanish between readdir and
// read, unreadable files, kernel threads, and the exec-aware command-line cache.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ProcfsSource } from '../../../src/procs/procfs/procfsSource';

function stat(pid: number, comm: string, state: string, ppid: number, opts: { flags?: number; start?: number; utime?: number; code?: number } = {}): string {
  const f: (string | number)[] = [pid, `(${comm})`, state, ppid, pid, pid, 0, -1, opts.flags ?? 4194304, 0, 0, 0, 0, opts.utime ?? 0, 0, 0, 0, 20, 0, 1, 0, opts.start ?? 1000, 1000, 10];
  while (f.length < 52) f.push(f.length === 25 ? (opts.code ?? 4096) : 0);
  return f.join(' ') + '\n';
}

describe('procs: the procfs back end on a synthetic /proc', () => {
  let root: string;
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-proc-'));
    write('stat', 'cpu 0 0 0\nbtime 1700000000\n');
    write('1/stat', stat(1, 'init', 'S', 0, { start: 1 }));
    write('1/cmdline', '/sbin/init\0');
    write('1/status', 'Uid:\t0\t0\t0\t0\n');
    write('2/stat', stat(2, 'kthreadd', 'S', 0, { flags: 0x00208040 }));
    write('2/cmdline', '');
    write('100/stat', stat(100, 'python3', 'S', 1, { start: 5000, utime: 250 }));
    write('100/cmdline', 'python3\0app.py\0--flag value\0');
    write('100/status', 'Uid:\t1000\t1000\t1000\t1000\n');
    write('101/stat', stat(101, 'python3', 'Z', 100, { start: 5100, code: 0 }));
    write('101/cmdline', '');
    write('101/status', 'Uid:\t1000\t1000\t1000\t1000\n');
    fs.mkdirSync(path.join(root, '102')); // exited between readdir and read: no files left
    write('self/stat', stat(100, 'python3', 'S', 1));
    write('not-a-pid/stat', 'junk');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('lists what it can read and skips what vanished', async () => {
    const src = new ProcfsSource({ procRoot: root });
    const list = await src.list();
    assert.deepStrictEqual(list.map((r) => r.pid).sort((a, b) => a - b), [1, 2, 100, 101]);
    const py = list.find((r) => r.pid === 100)!;
    assert.deepStrictEqual(py.argv, ['python3', 'app.py', '--flag value']);
    assert.strictEqual(py.command, 'python3 app.py --flag value');
    // Root reads the uid from status; others from the owner of /proc/<pid> (here: this test's files).
    assert.strictEqual(py.uid, process.getuid?.() === 0 ? 1000 : process.getuid?.());
    assert.strictEqual(py.startToken, '5000');
    // btime + ticks / CLK_TCK (this /proc has no auxv, so the Linux default of 100 applies)
    assert.strictEqual(py.startTime, (1700000000 + 50) * 1000);
    assert.strictEqual(py.cpuTimeMs, 2500);
    const z = list.find((r) => r.pid === 101)!;
    assert.strictEqual(z.state, 'zombie');
    assert.strictEqual(z.command, '');
    assert.strictEqual(list.find((r) => r.pid === 2)!.kernelThread, true);
    assert.strictEqual(list.find((r) => r.pid === 1)!.kernelThread, false);
  });

  it('re-reads a cached command line after an exec, but not otherwise', async () => {
    const src = new ProcfsSource({ procRoot: root });
    await src.list();
    write('100/cmdline', 'python3\0changed.py\0'); // same process, no exec: the cache stands
    assert.strictEqual((await src.get(100))!.command, 'python3 app.py --flag value');
    write('100/stat', stat(100, 'python3', 'S', 1, { start: 5000, code: 8192 })); // execve: new code address
    assert.strictEqual((await src.get(100))!.command, 'python3 changed.py');
  });

  it('treats a reused pid as a new process', async () => {
    const src = new ProcfsSource({ procRoot: root });
    await src.list();
    write('100/stat', stat(100, 'bash', 'S', 1, { start: 9999 }));
    write('100/cmdline', 'bash\0');
    const r = (await src.get(100))!;
    assert.strictEqual(r.startToken, '9999');
    assert.strictEqual(r.command, 'bash');
  });

  it('keeps a process whose command line it may not read, without one', async () => {
    fs.rmSync(path.join(root, '100/cmdline'));
    const r = (await new ProcfsSource({ procRoot: root }).get(100))!;
    assert.strictEqual(r.command, '');
    assert.strictEqual(r.ppid, 1);
  });

  it('returns nothing for a missing /proc, and get() of a bad pid', async () => {
    const src = new ProcfsSource({ procRoot: path.join(root, 'nope') });
    assert.deepStrictEqual(await src.list(), []);
    assert.strictEqual(await new ProcfsSource({ procRoot: root }).get(-1), undefined);
    assert.strictEqual(await new ProcfsSource({ procRoot: root }).get(102), undefined);
  });

  it('with a hot set, reads hot, zombie and due processes and serves the rest from cache', async () => {
    const src = new ProcfsSource({ procRoot: root });
    await src.list();
    // Every process changes on "disk"; only some are read again.
    write('1/stat', stat(1, 'init', 'R', 0, { start: 1 }));
    write('100/stat', stat(100, 'python3', 'R', 1, { start: 5000, utime: 300 }));
    write('101/stat', stat(101, 'python3', 'Z', 1, { start: 5100, code: 0 })); // re-parented zombie
    const list = await src.list({ hot: new Set([100]) });
    const by = new Map(list.map((r) => [r.pid, r]));
    assert.strictEqual(by.get(100)!.state, 'running', 'hot: read');
    assert.strictEqual(by.get(100)!.cpuTimeMs, 3000);
    assert.strictEqual(by.get(101)!.ppid, 1, 'zombies are always read');
    assert.strictEqual(by.get(1)!.state, 'sleeping', 'cold and not due: served from cache');
    // A full listing reads everything.
    assert.strictEqual((await src.list()).find((r) => r.pid === 1)!.state, 'running');
  });

  it('re-reads due processes, the most overdue first, within a budget per listing', async () => {
    const src = new ProcfsSource({ procRoot: root, coldAgeMs: 0, rereadBudget: 1 });
    await src.list();
    write('1/stat', stat(1, 'init', 'R', 0, { start: 1 }));
    write('100/stat', stat(100, 'python3', 'R', 1, { start: 5000 }));
    const hot = new Set<number>();
    const first = new Map((await src.list({ hot })).map((r) => [r.pid, r.state]));
    const second = new Map((await src.list({ hot })).map((r) => [r.pid, r.state]));
    // One of the two per listing; after two listings both are fresh.
    assert.strictEqual([first.get(1), first.get(100)].filter((x) => x === 'running').length, 1);
    assert.deepStrictEqual([second.get(1), second.get(100)], ['running', 'running']);
  });

  it('drops a cached process the moment it is gone from the listing', async () => {
    const src = new ProcfsSource({ procRoot: root });
    await src.list();
    fs.rmSync(path.join(root, '100'), { recursive: true });
    assert.ok(!(await src.list({ hot: new Set() })).some((r) => r.pid === 100));
  });

  it('finds descendants through parent links', async () => {
    assert.deepStrictEqual((await new ProcfsSource({ procRoot: root }).descendants(1)).sort(), [100, 101]);
  });
});
