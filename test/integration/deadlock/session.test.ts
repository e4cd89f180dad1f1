// The deadlock detector as the VS Code layer and the CLI use it: `onDeadlock: 'keep'` reports and
// keeps the processes alive; "Dump stacks" works on any live process; the CLI's JSON report and
// exit status; Python 3.8 and 3.13 under fork and spawn.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { dumpProcessStacks } from '../../../src/runner/deadlock';
import type { Finding } from '../../../src/runner/findings/types';
import { pythonVersion } from '../runner/helpers';
import { cleanup, deadlocks, FIXTURES, marks, pidOf, REPO, run, start, theDeadlock } from './helpers';

describe('deadlock: session API, CLI and Python versions', function () {
  this.timeout(60_000);
  afterEach(cleanup);

  it("onDeadlock 'keep': reports, keeps the processes alive, dumps their stacks, then Stop leaves nothing", async () => {
    const script = 'lock_cycle.py';
    const { session } = await start(script, ['--n=2'], { onDeadlock: 'keep' });
    const findings = await new Promise<Finding[]>((resolve) => session.once('deadlock', resolve));
    assert.strictEqual(findings.length, 1);
    assert.strictEqual(findings[0].kind, 'deadlock');
    assert.strictEqual(session.state, 'running', 'the run is kept');
    const m = marks(script);
    const children = session.processes.filter((p) => p.role === 'child');
    assert.strictEqual(children.length, 2);
    for (const child of children) {
      process.kill(child.pid, 0); // alive
      const dump = await dumpProcessStacks(session, child.pid);
      assert.strictEqual(dump.pid, child.pid);
      const main = dump.threads.find((t) => t.main);
      assert.ok(main, 'the main thread is in the dump');
      assert.ok(main.userFrame >= 0, 'the innermost user frame is marked');
      assert.strictEqual(main.frames[main.userFrame].line, m['wait-second']);
      assert.ok(main.frames[main.userFrame].file.endsWith(script));
      assert.strictEqual(main.wait?.op, 'lock');
      assert.match(main.wait?.on ?? '', /^Lock#\d$/);
      assert.strictEqual(main.wait?.site?.line, m['wait-second']);
      const holder = main.wait?.holders[0];
      assert.ok(holder && holder.pid !== child.pid && children.some((c) => c.pid === holder.pid));
      assert.strictEqual(holder.site?.line, m['acquire-first']);
      assert.strictEqual(dump.held.length, 1, 'each child holds its first lock');
      assert.strictEqual(dump.held[0].site?.line, m['acquire-first']);
    }
    // The main process, blocked in join(), answers too.
    const mainDump = await dumpProcessStacks(session, session.model.mainPid!);
    assert.strictEqual(mainDump.threads.find((t) => t.main)?.wait?.op, 'process-join');
    const report = await session.stop();
    assert.strictEqual(deadlocks(report).length, 1, 'the deadlock is in the final report');
    assert.deepStrictEqual(session.remainingPids({ zombies: true }), []);
  });

  it('the CLI reports the deadlock in its JSON report, kills the run and exits 1', () => {
    const r = spawnSync(
      process.execPath,
      ['--require', 'tsx/cjs', path.join(REPO, 'src/cli/main.ts'), 'run', '--json', '--hang-timeout', '1', 'dead_holder.py', '--', '--how=kill'],
      { cwd: FIXTURES, encoding: 'utf8', timeout: 60_000 },
    );
    assert.strictEqual(r.status, 1, r.stderr);
    const report = JSON.parse(r.stdout);
    const d = report.findings.filter((f: Finding) => f.kind === 'deadlock');
    assert.strictEqual(d.length, 1);
    assert.strictEqual(report.stopped.reason, 'deadlock');
    const m = marks('dead_holder.py');
    assert.ok(d[0].locations.some((l: { line: number; role: string }) => l.line === m.wait && l.role === 'waits'));
    assert.ok(d[0].locations.some((l: { line: number; role: string }) => l.line === m.acquire && l.role === 'acquired'));
    assert.ok(Object.keys(d[0].details.stacks).length > 0, 'stacks of the deadlocked processes in the JSON report');
  });

  for (const version of ['3.8', '3.13']) {
    for (const startMethod of ['fork', 'spawn']) {
      it(`Python ${version}, ${startMethod}: a lock cycle and a dead holder`, async function () {
        const python = pythonVersion(version);
        if (!python) this.skip();
        const cycle = await run('lock_cycle.py', ['--n=3', `--start=${startMethod}`], { python });
        const f = theDeadlock(cycle);
        const m = marks('lock_cycle.py');
        const children = pidOf(cycle.report, /Process-\d+$/);
        assert.strictEqual(children.length, 3);
        for (const pid of children) {
          assert.ok(f.locations.some((l) => l.pid === pid && l.line === m['wait-second'] && l.role === 'waits'));
          assert.ok(f.locations.some((l) => l.pid === pid && l.line === m['acquire-first'] && l.role === 'acquired'));
        }
        const dead = await run('dead_holder.py', ['--how=kill', `--start=${startMethod}`], { python });
        const g = theDeadlock(dead);
        assert.match(g.message, /killed by SIGKILL/);
        assert.ok(g.locations.some((l) => l.line === marks('dead_holder.py').acquire && l.role === 'acquired'));
      });
    }
  }
});
