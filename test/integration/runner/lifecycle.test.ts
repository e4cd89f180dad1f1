// Stopping runs, limits and bad input: the whole tree goes, whatever it does.
import * as assert from 'assert';
import { spawn, type ChildProcess } from 'child_process';
import * as path from 'path';
import { Session } from '../../../src/runner/session';
import { cleanupSessions, FIXTURES, findings, runFixture, startFixture } from './helpers';

/** Resolves when the script printed `ready` (bounded by the test's timeout). */
async function ready(output: () => { stdout: string }): Promise<void> {
  while (!output().stdout.includes('ready')) await new Promise((r) => setTimeout(r, 20));
}

/** Busy loops that load the CPUs (a starved machine); stopHogs() ends them. */
function startHogs(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn('python3', ['-c', 'while 1: pass'], { stdio: 'ignore' }));
}

function stopHogs(hogs: ChildProcess[]): void {
  for (const h of hogs) h.kill('SIGKILL');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('runner: stop, limits, bad input', function () {
  this.timeout(60_000);
  let hogs: ChildProcess[] = [];
  afterEach(() => {
    stopHogs(hogs);
    hogs = [];
  });
  afterEach(cleanupSessions);

  it('stop() terminates the whole tree and leaves no process behind', async () => {
    const { session, output } = await startFixture('sleeper.py');
    await ready(output);
    const pids = session.processes.map((p) => p.pid);
    assert.ok(pids.length >= 3, `processes ${pids}`);
    const report = await session.stop();
    assert.deepStrictEqual(session.remainingPids({ zombies: true }), []);
    assert.deepStrictEqual(pids.filter(alive), []);
    assert.strictEqual(report.stopped?.reason, 'stop');
    assert.strictEqual(report.signal, 'SIGTERM');
    // Stopping is not the program's fault: no unjoined/orphan findings for what we killed.
    assert.deepStrictEqual(report.findings, []);
  });

  it('stop() also ends a process that escaped by double fork and setsid', async () => {
    const { session, output } = await startFixture('escape.py');
    await ready(output);
    // The supervisor sees the re-parenting in its next look at /proc.
    const deadline = Date.now() + 5000;
    let escaped = session.processes.find((p) => p.adopted && p.role === 'fork');
    while (!escaped && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      escaped = session.processes.find((p) => p.adopted && p.role === 'fork');
    }
    assert.ok(escaped, 'the grandchild was re-parented to the supervisor, not to init');
    assert.ok(alive(escaped.pid));
    await session.stop('stop', 300);
    assert.ok(!alive(escaped.pid));
    assert.deepStrictEqual(session.remainingPids({ zombies: true }), []);
  });

  // A Pool replaces its workers while the stop signals them (killing a worker makes its pool start
  // another, and maxtasksperchild does so all the time). A process started after the supervisor
  // took its list must not escape the SIGTERM: it would run on, orphaned, against its dead
  // parent's pipes (BrokenPipeError on the result pipe, EOFError reading the spawn data).
  for (const [method, stops] of [['fork', 6], ['spawn', 4]] as const) {
    it(`stop() during a Pool's worker churn (${method}): no process outlives the stop to fail`, async () => {
      // A spawned worker starts slowly: on a busy machine, more of them are starting at the stop.
      if (method === 'spawn') hogs = startHogs(3);
      for (let i = 0; i < stops; i++) {
        const { session, output } = await startFixture('pool_churn.py', { args: [method] });
        await ready(output);
        await new Promise((r) => setTimeout(r, 150 + 100 * i));
        const report = await session.stop();
        const { stderr } = output();
        assert.doesNotMatch(stderr, /Traceback|Error/, `stop ${i + 1}:\n${stderr.slice(-3000)}`);
        assert.deepStrictEqual(report.findings, [], `stop ${i + 1}`);
        assert.deepStrictEqual(session.remainingPids({ zombies: true }), []);
      }
    });
  }

  it('Pool(maxtasksperchild) under spawn and CPU load: no BrokenPipeError in a replacement worker', async function () {
    this.timeout(240_000);
    // The flaky program, run again and again with mpscope's defaults while the machine is busy.
    hogs = startHogs(3);
    for (let i = 0; i < 12; i++) {
      const r = await runFixture('pool_maxtasks.py');
      assert.doesNotMatch(r.stderr, /Traceback|BrokenPipeError|EOFError/, `run ${i + 1}:\n${r.stderr.slice(-3000)}`);
      assert.deepStrictEqual(findings(r.report, 'child-exception'), [], `run ${i + 1}`);
      if (r.report.stopped === null) assert.match(r.stdout, /^285$/m);
    }
  });

  it('stop() escalates to SIGKILL when processes ignore SIGTERM', async () => {
    const { session, output } = await startFixture('ignore_sigterm.py');
    await ready(output);
    const started = Date.now();
    const report = await session.stop('stop', 300);
    assert.ok(Date.now() - started < 5000);
    assert.deepStrictEqual(session.remainingPids({ zombies: true }), []);
    const user = report.processes.filter((p) => !p.helper);
    assert.ok(user.length >= 2);
    for (const p of user) assert.strictEqual(p.signal, 'SIGKILL', `${p.name}: ${p.signal}`);
  });

  it('--timeout stops the run and reports it', async () => {
    const r = await runFixture('sleeper.py', { timeoutMs: 800, graceMs: 200 });
    assert.strictEqual(r.report.stopped?.reason, 'timeout');
    const t = findings(r.report, 'timeout');
    assert.strictEqual(t.length, 1);
    assert.strictEqual(t[0].severity, 'error');
    assert.ok(r.report.durationMs < 5000);
    assert.deepStrictEqual(r.session.remainingPids({ zombies: true }), []);
  });

  it('a fork bomb is capped by maxProcesses and killed', async () => {
    const r = await runFixture('fork_bomb.py', { maxProcesses: 30 });
    const f = findings(r.report, 'process-limit');
    assert.strictEqual(f.length, 1, JSON.stringify(r.report.findings));
    assert.match(f[0].message, /More than 30 processes/);
    assert.strictEqual(r.report.stopped?.reason, 'limit');
    assert.deepStrictEqual(r.session.remainingPids({ zombies: true }), []);
    // Capped: fewer than the 1023 processes the bomb would make (how many got started before
    // the kill depends on the machine's load).
    assert.ok(r.report.processes.length < 1023, `${r.report.processes.length} processes`);
  });

  it('100 MB of output streams through without piling up in memory', async () => {
    const { session } = await startFixture('print_100mb.py');
    let bytes = 0;
    let peak = 0;
    session.stdout!.removeAllListeners('data');
    session.stdout!.on('data', (d: Buffer) => {
      bytes += d.length;
      peak = Math.max(peak, process.memoryUsage().rss);
    });
    const before = process.memoryUsage().rss;
    const report = await session.wait();
    assert.strictEqual(bytes, 100 * 1024 * 1024);
    assert.strictEqual(report.exitCode, 0);
    assert.ok(peak - before < 80 * 1024 * 1024, `rss grew by ${(peak - before) >> 20} MB`);
  });

  it('interrupt() is Ctrl-C for the whole run', async () => {
    const { session, output } = await startFixture('sleeper.py');
    await ready(output);
    await session.interrupt();
    const report = await session.wait();
    // KeyboardInterrupt in the parent (exit 1 via the traceback) and in both children.
    assert.notStrictEqual(report.exitCode, 0);
    assert.deepStrictEqual(session.remainingPids({ zombies: true }), []);
  });

  describe('launch errors', () => {
    const launch = (script: string, python?: string) =>
      new Session({ script, python, cwd: FIXTURES, stdin: 'ignore' }).start().then(
        () => assert.fail('should not start'),
        (e: Error) => e,
      );

    it('a missing script', async () => {
      const e = await launch('nope.py');
      assert.strictEqual(e.constructor.name, 'LaunchError');
      assert.strictEqual(e.message, 'script not found: nope.py');
    });
    it('a directory', async () => {
      assert.match((await launch('clean')).message, /clean is a directory/);
    });
    it('a binary file', async () => {
      assert.match((await launch(path.join(process.execPath))).message, /is a binary file/);
    });
    it('a missing interpreter', async () => {
      assert.strictEqual((await launch('clean/pool_map.py', '/no/such/python')).message, 'Python interpreter not found: /no/such/python');
    });
    it('an interpreter that is not Python 3.8+', async () => {
      const e = await launch('clean/pool_map.py', '/bin/false');
      assert.match(e.message, /could not start mpscope's supervisor/);
    });
  });
});
