import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chooseInterpreter, expandSettingPath, fallbackNames, findOnPath } from '../../../src/ui/python/choose';

describe('integrations: which interpreter runs', () => {
  let dir: string;
  before(() => {
    // A PATH of our own: one folder with an executable python3, one with a non-executable python.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-interp-'));
    fs.mkdirSync(path.join(dir, 'a'));
    fs.mkdirSync(path.join(dir, 'b'));
    fs.writeFileSync(path.join(dir, 'a', 'python'), '#!/bin/sh\n', { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'b', 'python3'), '#!/bin/sh\n', { mode: 0o755 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prefers the mpscope.pythonPath setting over everything', () => {
    const c = chooseInterpreter({ setting: '/opt/py/bin/python', fromPythonExtension: '/venv/bin/python', platform: 'linux' });
    assert.deepStrictEqual(c, { command: '/opt/py/bin/python', source: 'setting' });
  });

  it('then the Python extension selection', () => {
    const c = chooseInterpreter({ setting: '  ', fromPythonExtension: '/venv/bin/python', platform: 'linux' });
    assert.deepStrictEqual(c, { command: '/venv/bin/python', source: 'python-extension' });
  });

  it('then python3 / python on PATH, skipping files that are not executable', function () {
    if (process.platform === 'win32') this.skip();
    const pathEnv = [path.join(dir, 'a'), path.join(dir, 'b')].join(':');
    const c = chooseInterpreter({ platform: 'linux', pathEnv });
    assert.deepStrictEqual(c, { command: path.join(dir, 'b', 'python3'), source: 'path' });
    assert.strictEqual(findOnPath(['python'], pathEnv, 'linux'), undefined, 'a python without the x bit was taken');
  });

  it('answers the conventional name when nothing is on PATH (the launch then says "not found")', () => {
    assert.deepStrictEqual(chooseInterpreter({ platform: 'linux', pathEnv: '' }), { command: 'python3', source: 'path' });
    assert.deepStrictEqual(chooseInterpreter({ platform: 'win32', pathEnv: '' }), { command: 'python', source: 'path' });
    assert.deepStrictEqual(fallbackNames('darwin'), ['python3', 'python']);
  });

  it('expands ${workspaceFolder} and ~ in the setting', () => {
    assert.strictEqual(expandSettingPath('${workspaceFolder}/.venv/bin/python', '/w'), '/w/.venv/bin/python');
    assert.strictEqual(expandSettingPath('~/py/bin/python3', undefined), path.join(os.homedir(), 'py/bin/python3'));
    const c = chooseInterpreter({ setting: '${workspaceFolder}/venv/bin/python', workspaceFolder: '/proj', platform: 'linux' });
    assert.strictEqual(c.command, '/proj/venv/bin/python');
  });
});
