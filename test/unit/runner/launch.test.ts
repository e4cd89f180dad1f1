import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkScript, encodeConfig, LaunchError, planLaunch, resolvePython, supervisorMode } from '../../../src/runner/launch';
import { findAgent } from '../../../src/runner/agentPaths';

describe('runner: launch checks', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-launch-'));
    fs.writeFileSync(path.join(dir, 'ok.py'), 'print(1)\n');
    fs.writeFileSync(path.join(dir, 'bin.py'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
    fs.mkdirSync(path.join(dir, 'pkg'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const launchError = (fn: () => unknown, re: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof LaunchError && re.test((e as Error).message));

  it('accepts a text script and returns its absolute path', () => {
    assert.strictEqual(checkScript('ok.py', dir), path.join(dir, 'ok.py'));
  });
  it('rejects a missing script, a directory and a binary file in one line each', () => {
    launchError(() => checkScript('missing.py', dir), /^script not found: missing\.py$/);
    launchError(() => checkScript('pkg', dir), /^pkg is a directory/);
    launchError(() => checkScript('bin.py', dir), /^bin\.py is a binary file/);
  });
  it('finds the interpreter on PATH, or says which one is missing', () => {
    fs.writeFileSync(path.join(dir, 'python3'), '#!/bin/sh\n', { mode: 0o755 });
    assert.strictEqual(resolvePython(undefined, { PATH: dir }, dir), path.join(dir, 'python3'));
    launchError(() => resolvePython('nopython', { PATH: dir }, dir), /^Python interpreter not found: nopython$/);
    launchError(() => resolvePython(undefined, { PATH: '' }, dir), /no Python interpreter found/);
  });
  it('builds the environment: bootstrap first on PYTHONPATH, unbuffered, the run secrets', () => {
    const agent = findAgent();
    const plan = planLaunch({
      python: '/usr/bin/python3',
      pythonArgs: ['-X', 'dev'],
      script: '/w/s.py',
      args: ['a'],
      cwd: '/w',
      env: { PYTHONPATH: '/mine', MPSCOPE_MAIN: '1' },
      bootstrapDir: agent.bootstrap,
      supervisor: agent.supervisor,
      socketPath: '/run/x/agent.sock',
      token: 'abc',
      config: { startMethod: 'spawn', strict: true, hangTimeoutMs: 1000, unset: undefined },
      mode: 'separate',
    });
    assert.strictEqual(plan.env.PYTHONPATH, `${agent.bootstrap}${path.delimiter}/mine`);
    assert.strictEqual(plan.env.PYTHONUNBUFFERED, '1');
    assert.strictEqual(plan.env.MPSCOPE_SOCKET, '/run/x/agent.sock');
    assert.strictEqual(plan.env.MPSCOPE_TOKEN, 'abc');
    assert.strictEqual(plan.env.MPSCOPE_CONFIG, 'startMethod=spawn;strict=1;hangTimeoutMs=1000');
    assert.strictEqual(plan.env.MPSCOPE_MAIN, undefined);
    assert.deepStrictEqual(plan.argv.slice(plan.argv.indexOf('--')), ['--', '/usr/bin/python3', '-X', 'dev', '/w/s.py', 'a']);
    assert.deepStrictEqual(plan.argv.slice(0, 3), ['-S', '-E', '-s']);
  });
  it('fork mode runs the command line exactly as the user would, marked for supervision', () => {
    const agent = findAgent();
    const plan = planLaunch({
      python: '/usr/bin/python3',
      pythonArgs: ['-X', 'dev'],
      script: '/w/s.py',
      args: ['a'],
      cwd: '/w',
      env: {},
      bootstrapDir: agent.bootstrap,
      supervisor: agent.supervisor,
      socketPath: '/s',
      token: 't',
      config: {},
      mode: 'fork',
    });
    assert.deepStrictEqual(plan.argv, ['-X', 'dev', '/w/s.py', 'a']);
    assert.strictEqual(plan.env.MPSCOPE_SUPERVISE, '1');
  });
  it('falls back to a separate supervisor when site or PYTHONPATH is off', () => {
    assert.strictEqual(supervisorMode(['-X', 'dev', '-W', 'error', '-u', '-B']), 'fork');
    assert.strictEqual(supervisorMode(['-Werror::ImportError']), 'fork');
    assert.strictEqual(supervisorMode(['-I']), 'separate');
    assert.strictEqual(supervisorMode(['-uS']), 'separate');
    assert.strictEqual(supervisorMode(['-E']), 'separate');
  });
  it('encodes the agent config without separators leaking', () => {
    assert.strictEqual(encodeConfig({ a: 'x;y=z', b: false, c: 2 }), 'a=x_y_z;c=2');
  });
  it('finds the agent next to the sources', () => {
    const agent = findAgent();
    assert.ok(fs.existsSync(path.join(agent.bootstrap, 'sitecustomize.py')));
    assert.ok(fs.existsSync(agent.supervisor));
  });
});
