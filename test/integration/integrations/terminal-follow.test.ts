// Programs started from a terminal with mpscope's agent injected (mpscope.terminal.injectAgent),
// without VS Code: real Python processes with the environment a terminal gets, connecting to
// the long-lived listener. Checks that they are grouped into programs, named, analysed by the
// runner's session in adopted mode (findings and report as in a run), and that Python without a
// listener stays silent.
import * as assert from 'assert';
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LaunchRegistry } from '../../../src/procs';
import { findAgent } from '../../../src/runner/agentPaths';
import type { RunReport } from '../../../src/runner/report';
import { ensurePrivateDir, newIdentity, socketPath, terminalEnvironment } from '../../../src/ui/terminal/address';
import { ProgramFollower } from '../../../src/ui/terminal/follow';
import { AgentListener } from '../../../src/ui/terminal/listener';
import type { FollowedProgram } from '../../../src/ui/terminal/programs';
import type { Finding } from '../../../src/runner/findings/types';

const ROOT = path.resolve(__dirname, '../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/integrations');
const PYTHON = process.env.MPSCOPE_TEST_PYTHON || 'python3';

/** The environment of a terminal opened with the setting on. */
function terminalEnv(socket: string, token: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  for (const m of terminalEnvironment({ bootstrapDir: findAgent().bootstrap, socket, token, basePythonPath: env.PYTHONPATH })) {
    env[m.name] = m.op === 'prepend' ? m.value + (env[m.name] ?? '') : m.value;
  }
  return env;
}

function run(args: string[], env: NodeJS.ProcessEnv, children: ChildProcess[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(PYTHON, args, { env, cwd: os.tmpdir(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

describe('integrations: following programs started from a terminal', function () {
  this.timeout(60000);
  let runtime: string;
  let listener: AgentListener;
  let follower: ProgramFollower;
  let env: NodeJS.ProcessEnv;
  const registry = new LaunchRegistry();
  const children: ChildProcess[] = [];

  before(async () => {
    runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-term-'));
    const id = newIdentity();
    listener = new AgentListener(socketPath(ensurePrivateDir({ XDG_RUNTIME_DIR: runtime }), id.id), id.token);
    await listener.listen();
    follower = new ProgramFollower(listener, { registry });
    env = terminalEnv(listener.path, id.token);
  });

  after(async () => {
    for (const c of children) {
      try {
        if (c.pid) process.kill(-c.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await follower.close();
    fs.rmSync(runtime, { recursive: true, force: true });
  });

  it('follows a multiprocessing program: names its processes, and its session reports what went wrong', async () => {
    const release = path.join(runtime, 'release');
    fs.writeFileSync(release, ''); // the worker fails at once
    const pidFile = path.join(runtime, 'pids');
    const script = path.join(FIXTURES, 'terminal_program.py');
    const ended = new Promise<RunReport>((resolve) =>
      follower.on('ended', (program, session) => {
        if (program.program === script) void session.wait().then(resolve);
      }),
    );
    const r = await run([script, release, pidFile], env, children);
    assert.strictEqual(r.code, 0, r.err);
    assert.match(r.err, /ValueError: the terminal worker failed/, 'the program behaved differently');
    assert.doesNotMatch(r.err, /mpscope: agent/, 'the agent printed something');
    const [rootPid, workerPid] = fs.readFileSync(pidFile, 'utf8').split(' ').map(Number);

    const report = await ended;
    const program = follower.programs.programs.find((p) => p.rootPid === rootPid);
    assert.ok(program, 'the program was not followed');
    assert.strictEqual(program.notable, true);
    assert.strictEqual(program.processes.get(workerPid)?.mpName, 'mpscope-terminal-worker');
    // Sent by the forked worker itself (its parent prepared it before the fork).
    assert.strictEqual(program.processes.get(workerPid)?.startSite?.file, script);
    assert.strictEqual(registry.isEmpty, false, 'the program was not recorded for the process tree');

    assert.strictEqual(report.script, script);
    const main = report.processes.find((p) => p.pid === rootPid);
    assert.strictEqual(main?.role, 'main');
    assert.strictEqual(report.processes.find((p) => p.pid === workerPid)?.name, 'mpscope-terminal-worker');
    const lost = report.findings.find((f) => f.kind === 'child-exception');
    assert.ok(lost, `no child-exception finding: ${JSON.stringify(report.findings.map((f) => f.kind))}`);
    assert.ok(lost.pids.includes(workerPid));
    assert.ok(lost.locations.some((l) => l.file === script), JSON.stringify(lost.locations));
  });

  it('finds a live deadlock in a terminal program, and cleans up its state files when it is gone', async () => {
    const script = path.join(ROOT, 'media/examples/deadlock_lock_order.py');
    const found = new Promise<{ kinds: string[]; message: string; program: FollowedProgram }>((resolve) => {
      const seen = new Set<number>();
      follower.on('change', (program) => {
        const session = follower.sessionOf(program);
        if (program.program !== script || !session || seen.has(program.id)) return;
        seen.add(program.id);
        session.on('deadlock', (findings: Finding[]) => {
          const f = findings.find((x) => x.kind === 'deadlock');
          if (f) resolve({ kinds: f.locations.map((l) => l.role ?? ''), message: f.message, program });
        });
      });
    });
    const child = spawn(PYTHON, [script], { env, cwd: os.tmpdir(), stdio: 'ignore', detached: true });
    children.push(child);
    const deadlock = await found;
    assert.match(deadlock.message, /transfer|audit/);
    const dir = path.dirname(listener.path);
    const pids = [...deadlock.program.processes.keys()];
    assert.ok(pids.some((pid) => fs.existsSync(path.join(dir, `sync-${pid}.state`))), 'no agent state files where the detector reads them');
    const ended = new Promise<void>((resolve) => follower.on('ended', (p, session) => p === deadlock.program && void session.wait().then(() => resolve())));
    process.kill(-child.pid!, 'SIGKILL');
    await ended;
    await new Promise((r) => setTimeout(r, 100));
    const left = fs.readdirSync(dir).filter((n) => pids.some((pid) => n === `sync-${pid}.state` || n === `sync-${pid}.log`) || n.startsWith(`program-${deadlock.program.rootPid}-`));
    assert.deepStrictEqual(left, [], 'state files of the ended program were left behind');
  });

  it('a lone python -c is followed but not worth showing', async () => {
    const r = await run(['-c', 'print(6 * 7)'], env, children);
    assert.strictEqual(r.out.trim(), '42');
    const program = follower.programs.programs.find((p) => p.program === '-c');
    assert.ok(program, 'the process did not connect');
    assert.strictEqual(program.notable, false);
  });

  it('without a listener (setting turned off, window gone), Python runs as usual and says nothing', async () => {
    const gone = terminalEnv(path.join(runtime, 'no-such.sock'), 'f'.repeat(48));
    const plain = await run([path.join(ROOT, 'media/examples/fixed/unjoined_child.py')], { ...process.env }, children);
    const withAgent = await run([path.join(ROOT, 'media/examples/fixed/unjoined_child.py')], gone, children);
    assert.strictEqual(withAgent.code, 0);
    assert.strictEqual(withAgent.err, '');
    assert.strictEqual(withAgent.out, plain.out);
  });
});
