// One fixture per finding kind, run for real, under the start methods where it matters.
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import { readRunDelays, starvationMs } from '../../../src/runner/findings/parentPauses';
import { assertAgentClean, cleanupSessions, findings, hasLocation, runFixture, startFixture } from './helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once cond() holds (bounded by the test's timeout). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await sleep(20);
}

describe('runner: findings', function () {
  this.timeout(60_000);
  afterEach(cleanupSessions);

  for (const method of ['fork', 'spawn', 'forkserver'] as const) {
    it(`unjoined (${method}): implicit join at exit, daemon killed at exit, Pool never closed`, async () => {
      const r = await runFixture('unjoined.py', { startMethod: method });
      assertAgentClean(r);
      const u = findings(r.report, 'unjoined');
      const at = (line: number) => u.find((f) => hasLocation(f, 'unjoined.py', line, 'start'));
      assert.match(at(13)?.message ?? '', /joined implicitly at interpreter exit/);
      assert.strictEqual(at(13)?.severity, 'warning');
      assert.match(at(15)?.message ?? '', /daemon process.*terminated/);
      assert.match(at(16)?.message ?? '', /Pool created at unjoined\.py:16 was never closed.*2 worker processes/);
      assert.strictEqual(u.length, 3, JSON.stringify(u, null, 1));
      // Pool workers are not reported one by one, and nothing else is found.
      assert.deepStrictEqual(new Set(r.report.findings.map((f) => f.kind)), new Set(['unjoined']));
      const p1 = r.report.processes.find((p) => p.name === 'Process-1');
      assert.strictEqual(p1?.joinedHow, 'at-exit');
      assert.strictEqual(p1?.joined, false);
    });

    it(`child-exception (${method}): child traceback line and the parent's start line`, async () => {
      const r = await runFixture('child_exception.py', { startMethod: method });
      assertAgentClean(r);
      const [f, ...rest] = findings(r.report, 'child-exception');
      assert.strictEqual(rest.length, 0);
      assert.strictEqual(f.severity, 'error');
      assert.ok(hasLocation(f, 'child_exception.py', 6, 'exception'), JSON.stringify(f.locations));
      assert.ok(hasLocation(f, 'child_exception.py', 11, 'start'));
      assert.match(f.message, /ZeroDivisionError/);
      assert.match(f.message, /carried on/);
      // The script itself succeeded: exit code 0, as without mpscope.
      assert.strictEqual(r.report.exitCode, 0);
      assert.match(r.stderr, /ZeroDivisionError/);
    });
  }

  for (const method of ['spawn', 'forkserver'] as const) {
    it(`child-exception (${method}): a script without a main guard`, async () => {
      const r = await runFixture('no_guard.py', { startMethod: method });
      assertAgentClean(r);
      const f = findings(r.report, 'child-exception')[0];
      assert.ok(f, JSON.stringify(r.report.findings));
      assert.match(f.message, /RuntimeError/);
      assert.match(f.message, /__main__/);
      assert.ok(hasLocation(f, 'no_guard.py', 11, 'exception'));
      assert.ok(hasLocation(f, 'no_guard.py', 11, 'start'));
      assert.strictEqual(r.report.exitCode, 0);
    });
  }

  it('child-exception: a daemon process may not have children', async () => {
    const r = await runFixture('daemon_children.py');
    const f = findings(r.report, 'child-exception')[0];
    assert.match(f.message, /daemonic processes are not allowed to have children/);
    assert.match(f.message, /daemon process .* may not start processes/);
    assert.ok(hasLocation(f, 'daemon_children.py', 10, 'exception'));
    assert.ok(hasLocation(f, 'daemon_children.py', 15, 'start'));
  });

  for (const method of ['fork', 'spawn'] as const) {
    it(`zombie (${method}): exited, not reaped for 1.6 s`, async () => {
      const r = await runFixture('zombie.py', { startMethod: method });
      assertAgentClean(r);
      const z = findings(r.report, 'zombie');
      assert.strictEqual(z.length, 1, JSON.stringify(r.report.findings));
      assert.ok(hasLocation(z[0], 'zombie.py', 14, 'start'));
      // Where it was finally reaped: p.join() (the agent reads the site of the waitpid that reaped).
      assert.ok(hasLocation(z[0], 'zombie.py', 17, 'reaped'), JSON.stringify(z[0].locations));
      assert.match(z[0].message, /zombie \(<defunct>\) for 1\.[5-9] s/);
      assert.strictEqual(findings(r.report, 'unjoined').length, 0);
    });
  }

  // A stopped parent cannot collect anything: it was not neglecting its child, and collecting it
  // as soon as it is continued is all a program can do. Only the parent's own time counts.
  it('zombie: not blamed on a parent stopped (SIGSTOP) while its child exited, reaping it once continued', async () => {
    const { session, output } = await startFixture('zombie_stopped_parent.py');
    await until(() => output().stdout.includes('ready'));
    const main = session.model.mainPid!;
    const child = () => session.processes.find((p) => p.name === 'Process-1');
    process.kill(main, 'SIGSTOP');
    try {
      // Stopped until its child has been a zombie in /proc for longer than the threshold.
      await until(() => child()?.zombieSince != null);
      await sleep(1500);
    } finally {
      process.kill(main, 'SIGCONT');
    }
    const report = await session.wait();
    assert.match(output().stdout, /joined 0/);
    // It was a zombie for longer than the threshold by the wall clock...
    const c = child()!;
    assert.ok(c.reapedAt! - c.zombieSince! > 1400, `zombie for ${c.reapedAt! - c.zombieSince!} ms`);
    assert.strictEqual(c.reapedBy, main);
    // ... while its parent could not run: no finding.
    assert.deepStrictEqual(findings(report, 'zombie'), []);
    assert.deepStrictEqual(report.findings, []);
  });

  // What the zombie rule subtracts for a starved parent: the kernel's run-queue wait of its
  // threads. Two busy loops sharing one CPU each wait for it about half of the time.
  it('starvation: the run-queue wait of a real process is read from /proc', async function () {
    if (!fs.existsSync('/proc/self/task')) this.skip();
    const code = 'import os\nos.sched_setaffinity(0, {0})\nwhile 1: pass';
    const hogs = [0, 1].map(() => spawn('python3', ['-c', code], { stdio: 'ignore' }));
    try {
      await sleep(300); // started and pinned
      const before = readRunDelays(hogs[0].pid!);
      await sleep(600);
      const after = readRunDelays(hogs[0].pid!);
      assert.ok(before && after, 'no schedstat in /proc');
      const waited = starvationMs(before, after);
      assert.ok(waited > 100 && waited < 700, `waited ${waited} ms for a CPU in 600 ms`);
    } finally {
      for (const h of hogs) h.kill('SIGKILL');
    }
  });

  for (const method of ['fork', 'spawn'] as const) {
    it(`orphan (${method}): the parent left with os._exit`, async () => {
      const r = await runFixture('orphan.py', { startMethod: method, lingerMs: 3000 });
      assertAgentClean(r);
      const o = findings(r.report, 'orphan');
      assert.strictEqual(o.length, 1, JSON.stringify(r.report.findings));
      assert.ok(hasLocation(o[0], 'orphan.py', 17, 'start'));
      assert.ok(hasLocation(o[0], 'orphan.py', 20, 'parent-exit'));
      assert.match(o[0].message, /os\._exit\(\) at orphan\.py:20/);
      // The orphan's own output is not lost, and it was re-parented to the supervisor.
      assert.match(r.stdout, /child still here/);
      const child = r.report.processes.find((p) => p.name === 'Process-1');
      assert.strictEqual(child?.adopted, true);
      assert.strictEqual(child?.exitCode, 0);
      assert.match(findings(r.report, 'unjoined')[0]?.message ?? '', /left running/);
    });
  }

  it('leaked-shm: created, never unlinked', async () => {
    const r = await runFixture('leaked_shm.py');
    assertAgentClean(r);
    const f = findings(r.report, 'leaked-shm');
    assert.strictEqual(f.length, 1);
    assert.ok(hasLocation(f[0], 'leaked_shm.py', 4, 'create'));
    assert.match(f[0].message, /never unlinked/);
  });

  it('script-failed: an uncaught exception in the main process', async () => {
    const r = await runFixture('exit_code.py');
    const f = findings(r.report, 'script-failed');
    assert.strictEqual(r.report.exitCode, 1);
    assert.strictEqual(f.length, 1);
    assert.ok(hasLocation(f[0], 'exit_code.py', 3, 'exception'));
    assert.match(f[0].message, /ValueError: bad input/);
  });

  it('script-failed: a syntax error runs and fails with its line', async () => {
    const r = await runFixture('syntax_error.py');
    assert.strictEqual(r.report.exitCode, 1);
    assert.match(r.stderr, /SyntaxError/);
    const f = findings(r.report, 'script-failed')[0];
    assert.ok(f && hasLocation(f, 'syntax_error.py', 2), JSON.stringify(r.report.findings));
  });

  it('helpers (resource tracker, forkserver, manager) are labelled and never reported', async () => {
    const r = await runFixture('clean/manager.py', { startMethod: 'forkserver' });
    const helpers = r.report.processes.filter((p) => p.helper).map((p) => p.helperKind).sort();
    assert.deepStrictEqual(helpers, ['forkserver', 'manager', 'resource_tracker']);
    assert.deepStrictEqual(r.report.findings, []);
  });
});
