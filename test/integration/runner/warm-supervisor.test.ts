// A supervisor made ready before the run (src/runner/warmSupervisor.ts): the run it starts must be
// the run a cold start gives (same report, same view of the world for the script), and a ready
// supervisor that is never used must go away without a trace.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Session } from '../../../src/runner/session';
import { disposeWarmSupervisors, type WarmSupervisor } from '../../../src/runner/warmSupervisor';
import { assertAgentClean, cleanupSessions, findings, FIXTURES, hasLocation, runFixture, startFixture } from './helpers';

const STDIO = { stdin: 'ignore' } as const;

async function ready(options: Parameters<typeof Session.prewarm>[0] = {}): Promise<WarmSupervisor> {
  const warm = Session.prewarm({ ...STDIO, cwd: FIXTURES, ...options });
  assert.strictEqual(await warm.ready, true, 'the warm supervisor did not start');
  return warm;
}

function exited(warm: WarmSupervisor): Promise<number | null> {
  const child = warm.child;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Whether `dir` is gone within half a second (a server is closed after the run's end). */
async function removedSoon(dir: string): Promise<boolean> {
  for (let i = 0; i < 50 && fs.existsSync(dir); i++) await new Promise((r) => setTimeout(r, 10));
  return !fs.existsSync(dir);
}

describe('runner: a supervisor made ready before the run', function () {
  this.timeout(60_000);

  afterEach(async () => {
    disposeWarmSupervisors();
    await cleanupSessions();
  });

  it('starts the run: the script is its child, and the report is that of a cold start', async () => {
    const warm = await ready();
    const r = await runFixture('child_exception.py');
    assertAgentClean(r);
    assert.strictEqual(r.session.model.supervisorPid, warm.child.pid, 'the run did not start on the warm supervisor');
    const cold = await runFixture('child_exception.py', { supervisor: 'fork' });
    assert.deepStrictEqual(
      r.report.findings.map((f) => [f.kind, f.locations.map((l) => `${path.basename(l.file)}:${l.line}:${l.role}`)]),
      cold.report.findings.map((f) => [f.kind, f.locations.map((l) => `${path.basename(l.file)}:${l.line}:${l.role}`)]),
    );
    assert.strictEqual(r.report.exitCode, cold.report.exitCode);
    assert.strictEqual(r.stdout, cold.stdout);
  });

  // The output pipes end when the script's processes are gone, as in a plain run, so that the
  // runner learns it then and not only after the supervisor's own exit (session.ts finish()).
  for (const mode of ['warm', 'fork', 'separate'] as const) {
    it(`lets go of the run's stdin, stdout and stderr once the script runs (${mode})`, async () => {
      const warm = mode === 'warm' ? await ready({ stdin: 'pipe' }) : undefined;
      const { session, output } = await startFixture('sleeper.py', { ...(mode === 'warm' ? {} : { supervisor: mode }), stdin: 'pipe' });
      while (!output().stdout.includes('ready')) await new Promise((r) => setTimeout(r, 20));
      const fds = (pid: number) => [0, 1, 2].map((fd) => fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      assert.deepStrictEqual(fds(session.model.supervisorPid!), ['/dev/null', '/dev/null', '/dev/null']);
      if (warm) assert.strictEqual(session.model.supervisorPid, warm.child.pid, 'the run did not start on the warm supervisor');
      for (const target of fds(session.model.mainPid!)) assert.match(target, /^(pipe|socket):/);
      await session.stop();
    });
  }

  it('is the subreaper of the run: an orphan is adopted and reported', async () => {
    await ready();
    const r = await runFixture('orphan.py', { lingerMs: 3000 });
    assertAgentClean(r);
    const o = findings(r.report, 'orphan');
    assert.strictEqual(o.length, 1, JSON.stringify(r.report.findings));
    assert.ok(hasLocation(o[0], 'orphan.py', 20, 'parent-exit'));
    assert.strictEqual(r.report.processes.find((p) => p.name === 'Process-1')?.adopted, true);
  });

  it("gives the script the run's working directory and environment, and no descriptor of ours", async () => {
    const cwd = os.tmpdir();
    const env = { ...process.env, HELLO_FROM_RUN: 'yes' };
    // Made ready with another directory and environment than the run's.
    await ready({ cwd: FIXTURES, env: process.env });
    const r = await runFixture(path.join(FIXTURES, 'open_fds.py'), { cwd, env });
    assertAgentClean(r);
    // The descriptors of a cold start: stdio and the agent's own (socket, state files).
    const cold = await runFixture(path.join(FIXTURES, 'open_fds.py'), { cwd, env, supervisor: 'fork' });
    assert.strictEqual(r.stdout, cold.stdout);
    assert.ok(r.stdout.includes(`cwd: ${cwd}\n`), r.stdout);
    assert.match(r.stdout, /HELLO_FROM_RUN: yes/);
  });

  it('is used once: the next run starts cold unless another is made ready', async () => {
    const warm = await ready();
    const first = await runFixture('exit_code.py');
    const second = await runFixture('exit_code.py');
    const sup = (r: typeof first) => r.session.model.supervisorPid;
    assert.strictEqual(sup(first), warm.child.pid);
    assert.notStrictEqual(sup(second), warm.child.pid);
    assert.strictEqual(second.report.exitCode, first.report.exitCode);
  });

  it('is not taken by a run with other stdio, and exits when dropped, leaving nothing behind', async () => {
    const warm = await ready({ stdin: 'pipe' });
    const r = await runFixture('exit_code.py'); // stdin 'ignore': another key
    assert.notStrictEqual(r.session.model.supervisorPid, warm.child.pid);
    assert.strictEqual(warm.alive, true);
    const server = await warm.server; // made ahead with it, for the run that takes it
    assert.ok(fs.existsSync(server.socketPath));
    disposeWarmSupervisors();
    await exited(warm);
    assert.strictEqual(warm.alive, false);
    // Its server went with it: no socket or directory is left behind.
    assert.strictEqual(await removedSoon(server.dir), true);
  });

  it('hands its ready server to the run that takes it: the run talks to its agents there', async () => {
    const warm = await ready();
    const server = await warm.server;
    const r = await runFixture('exit_code.py');
    assert.strictEqual(r.session.model.supervisorPid, warm.child.pid);
    assertAgentClean(r);
    assert.strictEqual(r.session.runDir, server.dir);
    assert.ok(r.report.processes.some((p) => p.role === 'main'));
    // ... and closes it at its end, as one it made itself.
    assert.strictEqual(await removedSoon(server.dir), true);
  });

  it('exits quietly when its control pipe closes without a run', async () => {
    const warm = await ready();
    let stderr = '';
    warm.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    (warm.child.stdio[3] as NodeJS.WritableStream).end();
    assert.strictEqual(await exited(warm), 0);
    assert.strictEqual(stderr, '');
  });
});
