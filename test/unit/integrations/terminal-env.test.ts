import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  ensurePrivateDir,
  isIdentity,
  newIdentity,
  terminalEnvironment,
  tokenMatches,
} from '../../../src/ui/terminal/address';
import { FollowedPrograms, programOf } from '../../../src/ui/terminal/programs';
import type { Hello } from '../../../src/ui/terminal/listener';

function hello(pid: number, ppid: number, argv: string[] = ['python3', 'app.py'], extra: Partial<Hello> = {}): Hello {
  return {
    t: 'hello',
    ts: 1000,
    token: 'x',
    pid,
    ppid,
    role: 'subprocess',
    helper: null,
    mpName: null,
    argv,
    executable: '/usr/bin/python3',
    python: '3.11.7',
    cwd: '/work',
    wakeSignal: 23,
    ...extra,
  } as Hello;
}

describe('integrations: terminal environment', () => {
  it('prepends the bootstrap folder to an existing PYTHONPATH', () => {
    const m = terminalEnvironment({ bootstrapDir: '/ext/src/agent/bootstrap', socket: '/run/s.sock', token: 't', basePythonPath: '/mine', delimiter: ':' });
    assert.deepStrictEqual(m[0], { op: 'prepend', name: 'PYTHONPATH', value: '/ext/src/agent/bootstrap:' });
  });

  it('replaces an absent PYTHONPATH, so that no empty entry (= the current directory) appears', () => {
    for (const base of [undefined, '']) {
      const m = terminalEnvironment({ bootstrapDir: '/b', socket: '/s', token: 't', basePythonPath: base, delimiter: ':' });
      assert.deepStrictEqual(m[0], { op: 'replace', name: 'PYTHONPATH', value: '/b' });
    }
  });

  it('gives the agent the channel, the token and the terminal origin', () => {
    const m = terminalEnvironment({ bootstrapDir: '/b', socket: '/run/s.sock', token: 'tok', basePythonPath: undefined });
    assert.deepStrictEqual(m.slice(1), [
      { op: 'replace', name: 'MPSCOPE_SOCKET', value: '/run/s.sock' },
      { op: 'replace', name: 'MPSCOPE_TOKEN', value: 'tok' },
      { op: 'replace', name: 'MPSCOPE_CONFIG', value: 'origin=terminal' },
    ]);
  });

  it('makes identities that survive storage, and compares tokens exactly', () => {
    const id = newIdentity();
    assert.ok(isIdentity(JSON.parse(JSON.stringify(id))));
    assert.ok(!isIdentity({ id: '../x', token: id.token }));
    assert.ok(!isIdentity(undefined));
    assert.ok(tokenMatches(id.token, id.token));
    assert.ok(!tokenMatches(id.token, id.token.slice(1)));
    assert.ok(!tokenMatches(id.token, 42));
  });

  it('uses a private socket folder, and refuses one others can enter', function () {
    if (process.platform === 'win32') this.skip();
    const runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-rt-'));
    try {
      const dir = ensurePrivateDir({ XDG_RUNTIME_DIR: runtime });
      assert.strictEqual(path.dirname(dir), runtime);
      assert.strictEqual(fs.statSync(dir).mode & 0o777, 0o700);
      assert.strictEqual(ensurePrivateDir({ XDG_RUNTIME_DIR: runtime }), dir, 'not reusable');
      fs.chmodSync(dir, 0o755);
      assert.throws(() => ensurePrivateDir({ XDG_RUNTIME_DIR: runtime }), /other users/);
    } finally {
      fs.rmSync(runtime, { recursive: true, force: true });
    }
  });
});

describe('integrations: grouping terminal processes into programs', () => {
  it('names what a command line runs', () => {
    assert.strictEqual(programOf(['python3', 'app.py'], '/w'), '/w/app.py');
    assert.strictEqual(programOf(['python3', '-u', '-X', 'dev', '/abs/app.py', '--flag'], '/w'), '/abs/app.py');
    assert.strictEqual(programOf(['python3', '-m', 'pkg.tool', 'x'], '/w'), '-m pkg.tool');
    assert.strictEqual(programOf(['python3', '-mpkg'], '/w'), '-m pkg');
    assert.strictEqual(programOf(['python3', '-c', 'print(1)'], '/w'), '-c');
  });

  it('a process whose parent is followed joins its program; others start new programs', () => {
    const g = new FollowedPrograms();
    const a = g.hello(hello(100, 10));
    assert.ok(a.isNew);
    assert.strictEqual(a.program.program, '/work/app.py');
    const child = g.hello(hello(101, 100, ['python3', '-c', 'from multiprocessing.spawn import spawn_main'], { role: 'child', mpName: 'Process-1' }));
    assert.ok(!child.isNew);
    assert.strictEqual(child.program, a.program);
    assert.strictEqual(a.program.notable, true, 'a program with a child is worth showing');
    const other = g.hello(hello(200, 10, ['python3', '-c', 'pass']));
    assert.ok(other.isNew);
    assert.strictEqual(other.program.notable, false, 'a lone python -c is not worth showing');
  });

  it('takes names and start sites from the parent\'s process_start, before or after the child connects', () => {
    const g = new FollowedPrograms();
    const { program } = g.hello(hello(100, 10));
    g.message(100, { t: 'process_start', ts: 1, child: 102, by: 100, name: 'Worker-A', daemon: false, kind: 'process', startMethod: 'spawn', site: { file: '/work/app.py', line: 12 } } as never);
    assert.strictEqual(g.programOfPid(102), program, 'the announced child is not part of the program');
    g.hello(hello(102, 100, ['python3', '-c', 'x'], { role: 'child' }));
    const p = program.processes.get(102);
    assert.strictEqual(p?.mpName, 'Worker-A');
    assert.deepStrictEqual(p?.startSite, { file: '/work/app.py', line: 12 });
    assert.strictEqual(p?.startMethod, 'spawn');
  });

  it('ends a program when its last connection closes, and a reused root pid starts a new one', () => {
    const g = new FollowedPrograms();
    const { program } = g.hello(hello(100, 10));
    g.hello(hello(101, 100));
    g.closed(101);
    assert.strictEqual(program.ended, false);
    g.closed(100);
    assert.strictEqual(program.ended, true);
    const again = g.hello(hello(100, 10));
    assert.ok(again.isNew && again.program !== program);
    g.forget(program);
    assert.deepStrictEqual(g.programs.map((p) => p.id), [again.program.id]);
  });
});
