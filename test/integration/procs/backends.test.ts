// ONE suite, run against every process back end (procfs and ps-list both work on Linux), so a
// second back end cannot silently drift. Each claim a back end makes in `capabilities` is held
// against real processes; what it does not claim must be absent, not made up.
import * as assert from 'assert';
import * as os from 'os';
import * as path from 'path';
import { once } from 'events';
import {
  ProcessMonitor,
  ProcfsSource,
  PsListSource,
  LaunchRegistry,
  buildTree,
  isPythonName,
  processKey,
  type ProcessSource,
} from '../../../src/procs';
import { FIXTURES, Fixture, PYTHON, sleep, spawnTracked, stopAll, stopPlain, waitFor } from './helpers';

const BACKENDS: { id: string; make: () => ProcessSource; available: boolean }[] = [
  { id: 'procfs', make: () => new ProcfsSource(), available: ProcfsSource.available() },
  { id: 'ps-list', make: () => new PsListSource(), available: true },
];

for (const backend of BACKENDS) {
  describe(`procs: process source contract (${backend.id})`, function () {
    this.timeout(60000);
    let source: ProcessSource;

    before(function () {
      if (!backend.available) this.skip();
      source = backend.make();
    });
    afterEach(async () => {
      await stopAll();
      await stopPlain();
    });

    it('lists this test process with its parent, command, user and start time', async () => {
      const records = await source.list();
      const me = records.find((r) => r.pid === process.pid);
      assert.ok(me, `pid ${process.pid} not listed`);
      assert.strictEqual(me.ppid, process.ppid);
      assert.match(me.command, /mocha|node/);
      if (typeof process.getuid === 'function') assert.strictEqual(me.uid, process.getuid());
      assert.ok(me.user && me.user.length > 0);
      const bootMs = Date.now() - os.uptime() * 1000;
      assert.ok(me.startTime >= bootMs - 2000 && me.startTime <= Date.now() + 1000, `start ${new Date(me.startTime).toISOString()}`);
      assert.ok(!me.kernelThread);
      assert.notStrictEqual(me.state, 'zombie');
    });

    it('keeps the same identity (pid + start) across snapshots', async () => {
      const a = (await source.list()).find((r) => r.pid === process.pid)!;
      await sleep(1100);
      const b = (await source.list()).find((r) => r.pid === process.pid)!;
      assert.ok(a.startToken !== '', 'no start time on this back end');
      assert.strictEqual(processKey(a), processKey(b));
    });

    it('reads a process whose name has spaces and parentheses without breaking the parse', async () => {
      const odd = 'a) (b c';
      const { fx, child } = await Fixture.start('renamed.py', [odd, 'arg with spaces']);
      const info = await fx.nextJson<{ pid: number; name: string }>();
      assert.strictEqual(info.pid, child);
      const records = await source.list();
      const r = records.find((x) => x.pid === child);
      assert.ok(r, 'renamed process not listed');
      assert.ok(r.ppid > 1, `ppid ${r.ppid}`);
      // procfs reports the kernel name; ps-list names a process after its executable.
      if (source.id === 'procfs') assert.strictEqual(r.name, info.name);
      else assert.ok(r.name === info.name || isPythonName(r.name), `name ${r.name}`);
      assert.ok(r.command.includes('arg with spaces'), r.command);
      if (source.capabilities.exactArgv) assert.strictEqual(r.argv![r.argv!.length - 1], 'arg with spaces');
      // The parse stayed aligned: the state and the times are real values.
      assert.ok(Number.isFinite(r.startTime));
      if (source.capabilities.state === 'full') assert.ok(['sleeping', 'running'].includes(r.state), r.state);
    });

    it('reports threads and resident memory when it claims to, and leaves them out when not', async () => {
      const child = spawnTracked(PYTHON, [
        '-c',
        'import threading,time,sys\nx = b"x" * (30 * 1024 * 1024)\nfor _ in range(4): threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\nsys.stdin.read()',
      ]);
      // The 30 MiB are written (not calloc'ed) before the threads start, so they are resident.
      await waitFor('threads to start', async () => {
        const r = (await source.list()).find((x) => x.pid === child.pid);
        return r && (!source.capabilities.threads || (r.threads ?? 0) >= 5) ? r : undefined;
      });
      const r = (await source.list()).find((x) => x.pid === child.pid)!;
      if (source.capabilities.threads) assert.ok(r.threads! >= 5, `threads ${r.threads}`);
      else assert.strictEqual(r.threads, undefined);
      if (source.capabilities.rssBytes) assert.ok(r.rssBytes! > 30 * 1024 * 1024, `rss ${r.rssBytes}`);
      else {
        assert.strictEqual(r.rssBytes, undefined);
        assert.ok(r.memPercent !== undefined && r.memPercent >= 0);
      }
    });

    it('measures CPU: a spinning process shows a high CPU %, a sleeping one almost none', async () => {
      const spinner = spawnTracked(PYTHON, ['-c', 'while True: pass']);
      const idle = spawnTracked(PYTHON, ['-c', 'import sys; sys.stdin.read()']);
      const monitor = new ProcessMonitor({ source, registry: new LaunchRegistry() });
      await sleep(1500);
      await monitor.sample();
      await sleep(600);
      const model = await monitor.sample();
      const busy = model.byPid.get(spinner.pid!);
      const quiet = model.byPid.get(idle.pid!);
      assert.ok(busy && quiet, 'spinner or sleeper not listed');
      // Other work shares this machine's cores, so the spinner may get well under 100%.
      assert.ok((busy.cpuPercent ?? 0) > 10, `spinner cpu ${busy.cpuPercent}`);
      assert.ok((quiet.cpuPercent ?? 0) < 5, `sleeper cpu ${quiet.cpuPercent}`);
      assert.strictEqual(busy.cpuBasis, source.capabilities.intervalCpu ? 'interval' : 'os');
    });

    it('measures CPU over the interval, not the lifetime, when it claims to', async function () {
      if (!source.capabilities.intervalCpu) this.skip();
      // Busy for ~1.5 s, then idle: a lifetime average stays high, the interval value drops to ~0.
      const child = spawnTracked(PYTHON, ['-c', 'import time,sys\nt=time.time()\nwhile time.time()-t<1.5: pass\nsys.stdin.read()']);
      await sleep(2000);
      const monitor = new ProcessMonitor({ source, registry: new LaunchRegistry() });
      await monitor.sample();
      await sleep(500);
      const node = (await monitor.sample()).byPid.get(child.pid!)!;
      assert.ok(node.cpuPercent !== undefined && node.cpuPercent < 10, `cpu ${node.cpuPercent}`);
    });

    it('shows a stopped process as stopped, when it reads states', async function () {
      if (source.capabilities.state !== 'full') this.skip();
      const child = spawnTracked(PYTHON, ['-c', 'import sys; sys.stdin.read()']);
      await sleep(300);
      process.kill(child.pid!, 'SIGSTOP');
      try {
        const r = await waitFor('stopped state', async () => {
          const x = await source.get(child.pid!);
          return x?.state === 'stopped' ? x : undefined;
        });
        assert.strictEqual(r.stateCode, 'T');
      } finally {
        process.kill(child.pid!, 'SIGCONT');
      }
    });

    it('sees a real zombie, with the parent that does not reap it', async () => {
      const { fx } = await Fixture.start('family.py', ['--zombies', '1']);
      const fam = await fx.nextJson<{ parent: number; zombies: number[] }>();
      fx.track(fam.parent, ...fam.zombies);
      const records = await source.list();
      const z = records.find((r) => r.pid === fam.zombies[0]);
      assert.ok(z, 'zombie not listed');
      assert.strictEqual(z.state, 'zombie');
      assert.strictEqual(z.ppid, fam.parent);
      assert.strictEqual(z.command, '', 'a zombie has no command line');
      const model = await new ProcessMonitor({ source, registry: new LaunchRegistry() }).sample();
      assert.strictEqual(model.byPid.get(z.pid)!.zombie?.parentPid, fam.parent);
      // The default tree shows it under its Python parent.
      const tree = buildTree(model, 'python');
      const key = model.byPid.get(z.pid)!.key;
      assert.strictEqual(tree.parents.get(key), model.byPid.get(fam.parent)!.key);
      assert.ok(tree.zombies.some((n) => n.pid === z.pid));
    });

    it('finds the descendants of a process', async () => {
      const { fx, child } = await Fixture.start('family.py', ['--sleepers', '2']);
      const fam = await fx.nextJson<{ parent: number; sleepers: number[] }>();
      fx.track(...fam.sleepers);
      assert.strictEqual(fam.parent, child);
      const d = await source.descendants(fam.parent);
      for (const s of fam.sleepers) assert.ok(d.includes(s), `descendants ${d} lack ${s}`);
      assert.deepStrictEqual(await source.descendants(2 ** 22 + 12345), []);
    });

    it('forgets a process that exited, and get() says it is gone', async () => {
      const child = spawnTracked(PYTHON, ['-c', 'import sys; sys.stdin.read()']);
      await waitFor('child listed', async () => (await source.get(child.pid!)) !== undefined);
      child.kill('SIGKILL');
      await once(child, 'exit');
      assert.strictEqual(await source.get(child.pid!), undefined);
      assert.ok(!(await source.list()).some((r) => r.pid === child.pid));
    });

    it('never fails while processes exit during the read', async () => {
      // A shell keeps starting and ending short processes while we take snapshots.
      const churn = spawnTracked('sh', ['-c', 'while true; do /bin/true & /bin/true & wait; done']);
      try {
        for (let i = 0; i < (source.id === 'procfs' ? 200 : 10); i++) {
          const list = await source.list();
          assert.ok(list.length > 0);
        }
      } finally {
        churn.kill('SIGKILL');
      }
    });

    it('marks kernel threads so they are never shown or signalled', async function () {
      if (process.platform !== 'linux') this.skip();
      const kthreadd = (await source.list()).find((r) => r.pid === 2);
      if (!kthreadd) this.skip(); // a PID namespace (container) has no kernel threads in it
      assert.strictEqual(kthreadd!.kernelThread, true);
    });

    it('sees an orphan re-parented to a subreaper (not PID 1) once it watched the parent die', async () => {
      const { fx, subreaper } = await Fixture.start('family.py', ['--sleepers', '1']);
      const fam = await fx.nextJson<{ parent: number; sleepers: number[] }>();
      fx.track(...fam.sleepers);
      const orphan = fam.sleepers[0];
      const monitor = new ProcessMonitor({ source, registry: new LaunchRegistry() });
      const before = await monitor.sample();
      assert.strictEqual(before.byPid.get(orphan)!.ppid, fam.parent);
      assert.strictEqual(before.byPid.get(orphan)!.orphan, undefined);
      fx.send('exit');
      const after = await waitFor('re-parenting', async () => {
        const m = await monitor.sample();
        const n = m.byPid.get(orphan);
        return n && n.ppid === subreaper ? m : undefined;
      });
      const node = after.byPid.get(orphan)!;
      assert.notStrictEqual(node.ppid, 1);
      assert.ok(node.orphan, 'not flagged as an orphan');
      assert.strictEqual(node.orphan[0].rule, 'observed-reparent');
      assert.strictEqual(node.orphan[0].strength, 'proof');
    });
  });
}

// Keep the fixture path in one place for readers: everything above runs below this subreaper.
export const SUBREAPER = path.join(FIXTURES, 'subreaper.py');
