import * as assert from 'assert';
import { parseRunArgs } from '../../../src/cli/commands/run';
import { UsageError } from '../../../src/cli/usage';

const usage = (argv: string[]) =>
  assert.throws(
    () => parseRunArgs(argv),
    (e: unknown) => e instanceof UsageError,
  );

describe('cli: mpscope run arguments', () => {
  it('parses the contract', () => {
    const a = parseRunArgs([
      '--json',
      '--report',
      'r.json',
      '--sarif=s.sarif',
      '--python',
      '/usr/bin/python3',
      '--start-method',
      'spawn',
      '--timeout',
      '2.5',
      '--hang-timeout',
      '1',
      '--max-processes',
      '40',
      'main.py',
      '--',
      '--flag',
      'x',
    ]);
    assert.deepStrictEqual(a, {
      json: true,
      report: 'r.json',
      sarif: 's.sarif',
      python: '/usr/bin/python3',
      startMethod: 'spawn',
      timeoutMs: 2500,
      hangTimeoutMs: 1000,
      maxProcesses: 40,
      script: 'main.py',
      args: ['--flag', 'x'],
    });
  });

  it('needs a script, and arguments for it after --', () => {
    usage([]);
    usage(['--json']);
    usage(['main.py', 'extra']);
    usage(['--', 'main.py']);
    assert.deepStrictEqual(parseRunArgs(['main.py']).args, []);
  });

  it('rejects bad option values with a usage error', () => {
    usage(['--start-method', 'thread', 'm.py']);
    usage(['--timeout', '0', 'm.py']);
    usage(['--timeout', 'soon', 'm.py']);
    usage(['--max-processes', '2.5', 'm.py']);
    usage(['--on-deadlock', 'maybe', 'm.py']);
    usage(['--python']);
    usage(['--report', '--json', 'm.py']);
    usage(['--frobnicate', 'm.py']);
  });
});
