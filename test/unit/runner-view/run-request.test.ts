import * as assert from 'assert';
import * as path from 'path';
import { RunRequestError, mergeEnv, requestFromDefinition } from '../../../src/runner/view/run-request';

describe('runner/view run request from a mpscope task definition', () => {
  const base = path.resolve('/work/proj');

  it('resolves paths against the folder and keeps the Python extension field names', () => {
    const req = requestFromDefinition(
      {
        type: 'mpscope',
        program: 'src/app.py',
        args: ['--n', '3'],
        cwd: 'src',
        env: { A: '1', B: null },
        python: '/usr/bin/python3.12',
        startMethod: 'spawn',
        hangTimeout: 2,
        prefixOutput: true,
      },
      base,
    );
    assert.deepStrictEqual(req, {
      program: path.join(base, 'src/app.py'),
      args: ['--n', '3'],
      cwd: path.join(base, 'src'),
      env: { A: '1', B: null },
      python: '/usr/bin/python3.12',
      startMethod: 'spawn',
      hangTimeout: 2,
      prefixOutput: true,
    });
    const minimal = requestFromDefinition({ program: '/abs/x.py', startMethod: 'default' }, base);
    assert.deepStrictEqual(minimal, { program: '/abs/x.py', args: [], cwd: base, env: {} });
  });

  it('says what is wrong with a bad definition, in one line', () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{}, /needs "program"/],
      [{ program: 'a.py', args: 'x y' }, /"args" .* list of strings/],
      [{ program: 'a.py', env: { A: 3 } }, /"env\.A" .* string/],
      [{ program: 'a.py', startMethod: 'thread' }, /"startMethod" .* fork, spawn, forkserver .* not "thread"/],
      [{ program: 'a.py', hangTimeout: 0 }, /"hangTimeout"/],
      [{ program: 'a.py', prefixOutput: 'yes' }, /"prefixOutput"/],
    ];
    for (const [def, re] of bad) {
      assert.throws(() => requestFromDefinition(def, base), (e: Error) => e instanceof RunRequestError && re.test(e.message) && !e.message.includes('\n'));
    }
  });

  it('merges the environment, null removing a variable', () => {
    assert.deepStrictEqual(mergeEnv({ A: '1', B: '2' }, { B: null, C: '3' }), { A: '1', C: '3' });
  });
});
