// The agent: loaded into every process however it is created, invisible to the program, on
// every supported Python, and answering requests.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import coreJson from '../../../src/agent/mpscope_agent/protocol/core.json';
import { assertAgentClean, cleanupSessions, FIXTURES, plainRun, pythonVersion, REPO, runFixture, startFixture } from './helpers';

/** Runs fn with a fresh copy of the agent (no bytecode caches), removed afterwards. */
async function withAgentCopy(fn: (agentDir: string) => Promise<void>): Promise<void> {
  const agentDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-agent-copy-'));
  try {
    fs.cpSync(path.join(REPO, 'src', 'agent'), agentDir, { recursive: true, filter: (src) => path.basename(src) !== '__pycache__' });
    await fn(agentDir);
  } finally {
    fs.rmSync(agentDir, { recursive: true, force: true });
  }
}

describe('runner: the agent', function () {
  this.timeout(60_000);
  afterEach(cleanupSessions);

  // Right after a fork, every page the parent writes costs it a copy-on-write fault while the
  // child still shares the page: so a child forked by Process.start() sends its parent's
  // process_start itself (prepared by the parent before the fork); a spawned one is reported by
  // its parent. Either way the runner learns the same facts.
  for (const method of ['fork', 'spawn'] as const) {
    it(`process_start of a Pool's workers (${method}): by whom, where, in which Pool`, async () => {
      const { session } = await startFixture('clean/pool_map.py', { startMethod: method });
      const starts: Array<{ from: number; child: number; by: number; site: unknown; owner: unknown; startMethod: unknown }> = [];
      session.onMessage('process_start', (m, from) => starts.push({ from, child: m.child, by: m.by, site: m.site, owner: m.owner, startMethod: m.startMethod }));
      const report = await session.wait();
      const main = report.processes.find((p) => p.role === 'main')!;
      // Two Pools of two workers (one of the first may be terminated before it said it is one).
      assert.strictEqual(starts.length, 4, JSON.stringify(starts));
      const workers = starts.map((s) => report.processes.find((p) => p.pid === s.child)!);
      for (const s of starts) {
        assert.strictEqual(s.by, main.pid);
        assert.strictEqual(s.from, method === 'fork' ? s.child : main.pid, 'sent by the child itself only when it was forked');
        assert.strictEqual(s.startMethod, method);
        assert.match(String(s.owner), /^pool:/);
      }
      for (const w of workers) {
        assert.strictEqual(w.ppid, main.pid);
        assert.strictEqual(w.startSite?.file, path.join(FIXTURES, 'clean', 'pool_map.py'));
      }
    });
  }

  it('follows os.fork, subprocess to Python and concurrent.futures', async () => {
    const plain = plainRun('clean/followed.py');
    const r = await runFixture('clean/followed.py');
    assertAgentClean(r);
    assert.strictEqual(r.stdout, plain.stdout);
    assert.deepStrictEqual(r.report.findings, []);
    const byRole = (role: string) => r.report.processes.filter((p) => p.role === role);
    const main = byRole('main')[0];
    const fork = byRole('fork')[0];
    assert.ok(fork?.python, 'the os.fork child ran the agent');
    assert.strictEqual(fork.exitCode, 7);
    // It ended with os._exit(7): its last message was flushed before it went.
    assert.strictEqual(r.session.model.processes.get(fork.pid)?.exitHow, 'os._exit');
    assert.strictEqual(fork.ppid, main.pid);
    assert.strictEqual(fork.startSite?.line, 13);
    const sub = r.report.processes.find((p) => p.role === 'subprocess' && p.python);
    assert.ok(sub, 'the Python subprocess ran the agent');
    assert.strictEqual(sub.startSite?.line, 18);
    const workers = byRole('worker');
    assert.strictEqual(workers.length, 2);
    for (const w of workers) {
      assert.ok(w.python);
      assert.strictEqual(w.startSite?.line, 21); // ex.map(...) started them
      assert.strictEqual(w.joined, true);
    }
  });

  it("keeps the program's exit finalizers: __del__ still runs after an uncaught exception in main", async () => {
    const plain = plainRun('exit_finalizers.py');
    assert.match(plain.stdout, /finalizer ran/); // what the test relies on, without mpscope
    const r = await runFixture('exit_finalizers.py');
    assert.strictEqual(r.stdout, plain.stdout);
    assert.strictEqual(r.report.exitCode, 1);
    assert.ok(r.report.findings.some((f) => /uncaught in main/.test(f.message)), 'the exception is still reported');
  });

  it('separate supervisor mode: the same findings; with -I the run is still supervised', async () => {
    const r = await runFixture('child_exception.py', { supervisor: 'separate' });
    assertAgentClean(r);
    assert.deepStrictEqual(r.report.findings.map((f) => f.kind), ['child-exception']);
    // -I drops PYTHONPATH: no agent in the script, but the supervisor still runs, sees the
    // processes in /proc and stops them all.
    const { session } = await startFixture('sleeper.py', { pythonArgs: ['-I'] });
    const deadline = Date.now() + 10_000;
    while (session.processes.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.strictEqual(session.processes.length, 3);
    const main = session.processes.find((p) => p.role === 'main');
    assert.ok(main && !main.python);
    await session.stop('test', 200);
    assert.deepStrictEqual(session.remainingPids({ zombies: true }), []);
  });

  it("chains to the user's own sitecustomize and hides itself from sys.path", async () => {
    const env = { ...process.env, PYTHONPATH: path.join(FIXTURES, 'usersite') };
    const plain = plainRun('show_env.py', 'python3', [], env);
    const r = await runFixture('show_env.py', { env });
    assertAgentClean(r);
    assert.match(r.stdout, /sitecustomize: yes/);
    assert.strictEqual(r.stdout, plain.stdout);
  });

  // The bootstrap is compiled at every interpreter start-up unless its bytecode is cached, which
  // PYTHONDONTWRITEBYTECODE (common in containers and CI) keeps Python from writing: the agent
  // writes that cache itself, and caches its own modules whatever that setting.
  it('under PYTHONDONTWRITEBYTECODE: nothing of ours is compiled at start-up after the first run', async () => {
    await withAgentCopy(async (agentDir) => {
      const env = { ...process.env, MPSCOPE_AGENT_DIR: agentDir, PYTHONDONTWRITEBYTECODE: '1' };
      const r = await runFixture('clean/pool_map.py', { env });
      assertAgentClean(r);
      assert.strictEqual(r.stdout, plainRun('clean/pool_map.py').stdout);
      const cached = fs.readdirSync(path.join(agentDir, 'mpscope_agent', '__pycache__'));
      for (const m of ['startup', 'preload']) {
        assert.ok(cached.some((f) => f.startsWith(`${m}.`) && f.endsWith('.pyc')), `${m} cached: ${cached.join(' ')}`);
      }
      // The rest of the start-up modules are in preload.py's one file.
      assert.ok(cached.some((f) => /^preload\..*\.bin$/.test(f)), `preload bundle: ${cached.join(' ')}`);
      // The bootstrap's bytecode is written by the agent, and it is valid: Python loads it...
      const stub = fs.readdirSync(path.join(agentDir, 'bootstrap', '__pycache__'));
      assert.deepStrictEqual(stub.filter((f) => f.startsWith('sitecustomize.')).length, 1, stub.join(' '));
      // What Python says it loaded, in a process of its own (python -v).
      const importLog = () =>
        spawnSync('python3', ['-v', '-c', 'pass'], {
          env: { ...process.env, PYTHONPATH: path.join(agentDir, 'bootstrap'), PYTHONDONTWRITEBYTECODE: '1' },
          encoding: 'utf8',
        }).stderr;
      const probe = importLog();
      assert.match(probe, /code object from '[^']*bootstrap\/__pycache__\/sitecustomize\.[^']*\.pyc'/, probe.slice(-2000));
      // ... and rewritten when the file changes (a stale cache would be compiled over every time).
      const stubPath = path.join(agentDir, 'bootstrap', 'sitecustomize.py');
      fs.appendFileSync(stubPath, '# changed\n');
      const again = await runFixture('clean/pool_map.py', { env });
      assertAgentClean(again);
      assert.match(importLog(), /code object from '[^']*bootstrap\/__pycache__\/sitecustomize/, 'the changed bootstrap was cached again');
      // The bootstrap still stays small: a version check, an import, the chain to the user's own.
      const code = fs
        .readFileSync(path.join(agentDir, 'bootstrap', 'sitecustomize.py'), 'utf8')
        .split('\n')
        .filter((l) => l.trim() && !l.trim().startsWith('#'));
      assert.ok(code.length <= 40, `bootstrap/sitecustomize.py has ${code.length} lines of code`);
    });
  });

  // mpscope_agent/preload.py: the start-up modules come from one bytecode file, made without the
  // import system, and the file follows the sources.
  it('loads its start-up modules from one cached file, rebuilt when a source changes', async () => {
    await withAgentCopy(async (agentDir) => {
      const env = { ...process.env, MPSCOPE_AGENT_DIR: agentDir };
      const lines = (out: string) => Object.fromEntries(out.trim().split('\n').map((l) => [l.split(':')[0], l.slice(l.indexOf(':') + 1).trim()]));
      const first = await runFixture('agent_modules.py', { env });
      assertAgentClean(first);
      const expected = ['agent', 'boot', 'channel', 'frames', 'hooks', 'jsonenc', 'lifecycle', 'protocol', 'shm', 'sync', 'syncstate', 'syncwaits'];
      const out = lines(first.stdout);
      assert.deepStrictEqual(out.preloaded.split(' '), expected.map((m) => `mpscope_agent.${m}`));
      // (and in fork mode, the module that forks the supervisor off at start-up)
      assert.deepStrictEqual(out.imported.split(' ').filter((m) => m !== 'mpscope_agent.subreaper'), ['mpscope_agent.preload', 'mpscope_agent.startup']);
      assert.strictEqual(out.marker, 'None');
      fs.appendFileSync(path.join(agentDir, 'mpscope_agent', 'jsonenc.py'), '\nTEST_MARKER = 42\n');
      const second = await runFixture('agent_modules.py', { env });
      assertAgentClean(second);
      assert.strictEqual(lines(second.stdout).marker, '42', 'the changed source is used');
      assert.strictEqual(lines(second.stdout).preloaded, out.preloaded);
      // A cache that can be neither read nor written is no failure: the modules are imported
      // the usual way. (A file in the way of __pycache__: permissions do not stop root.)
      fs.rmSync(path.join(agentDir, 'mpscope_agent', '__pycache__'), { recursive: true });
      fs.writeFileSync(path.join(agentDir, 'mpscope_agent', '__pycache__'), 'in the way');
      const third = await runFixture('agent_modules.py', { env });
      assertAgentClean(third);
      assert.strictEqual(lines(third.stdout).preloaded, '');
      assert.strictEqual(lines(third.stdout).marker, '42');
      assert.deepStrictEqual(third.report.findings, []);
    });
  });

  it('disables itself with one line on stderr when it cannot reach the runner; the program runs on', () => {
    const env = {
      ...process.env,
      PYTHONPATH: path.join(REPO, 'src', 'agent', 'bootstrap'),
      MPSCOPE_SOCKET: '/nonexistent/agent.sock',
      MPSCOPE_TOKEN: 'x',
    };
    const plain = plainRun('clean/pool_map.py');
    const r = plainRun('clean/pool_map.py', 'python3', [], env);
    assert.strictEqual(r.status, 0);
    assert.strictEqual(r.stdout, plain.stdout);
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.strictEqual(lines.length, 1, r.stderr);
    assert.match(lines[0], /^mpscope: agent disabled in process \d+: cannot connect to the runner/);
  });

  for (const version of ['3.8', '3.13']) {
    it(`works on Python ${version} (fork and spawn)`, async function () {
      const python = pythonVersion(version);
      if (!python) this.skip();
      for (const startMethod of ['fork', 'spawn'] as const) {
        const r = await runFixture('child_exception.py', { python, startMethod });
        assertAgentClean(r);
        const kinds = r.report.findings.map((f) => f.kind);
        assert.deepStrictEqual(kinds, ['child-exception']);
        assert.strictEqual(r.report.findings[0].locations[0].line, 6);
        const clean = await runFixture('clean/pool_map.py', { python, startMethod });
        assertAgentClean(clean);
        assert.deepStrictEqual(clean.report.findings, []);
        assert.strictEqual(clean.stdout, plainRun('clean/pool_map.py', python).stdout);
      }
    });
  }

  it('answers dump_stacks and ping through the wake signal, even while blocked', async () => {
    const { session } = await startFixture('stacks.py');
    await new Promise<void>((resolve) => {
      const check = () => (session.processes.some((p) => p.name === 'Process-1' && p.python) ? resolve() : setTimeout(check, 20));
      check();
    });
    await new Promise((r) => setTimeout(r, 300)); // let the child reach ev.wait()
    const child = session.processes.find((p) => p.name === 'Process-1')!;
    const pong = await session.request(child.pid, 'ping', {}, 10_000);
    assert.strictEqual(pong.pid, child.pid);
    const stacks = await session.dumpStacks(child.pid, 10_000);
    const frames = (stacks.threads as Array<{ frames: Array<{ file: string; line: number; user: boolean }> }>)[0].frames;
    const user = frames.find((f) => f.user);
    assert.strictEqual(user?.file, path.join(FIXTURES, 'stacks.py'));
    assert.strictEqual(user?.line, 7);
    assert.ok(!frames.some((f) => f.file.includes('mpscope_agent')), 'agent frames are hidden');
    // The blocked wait was not disturbed: the process is still waiting.
    assert.strictEqual(session.model.processes.get(child.pid)?.endTime, null);
    await session.stop('test', 200);
  });

  it('protocol: every send() in the agent matches protocol/*.json; Python and JSON agree', () => {
    const agentRoot = path.join(REPO, 'src', 'agent');
    const check = spawnSync('python3', ['-m', 'mpscope_agent.protocol', '--check'], { cwd: agentRoot, encoding: 'utf8' });
    assert.strictEqual(check.status, 0, check.stdout + check.stderr);
    const consts = spawnSync(
      'python3',
      ['-c', 'import json; from mpscope_agent import protocol as p; print(json.dumps([p.ENV_SOCKET, p.ENV_TOKEN, p.ENV_CONFIG, p.ENV_MAIN, p.ENV_SUPERVISE, p.WAKE_SIGNAL]))'],
      { cwd: agentRoot, encoding: 'utf8' },
    );
    const env = coreJson.env;
    assert.deepStrictEqual(JSON.parse(consts.stdout), [env.socket, env.token, env.config, env.main, env.supervise, coreJson.wakeSignal]);
  });
});
