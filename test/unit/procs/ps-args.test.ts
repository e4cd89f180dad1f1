// `mpscope ps` argument handling: bad input is one line on stderr and status 2.
import * as assert from 'assert';
import { PassThrough } from 'stream';
import { parsePsArgs } from '../../../src/cli/commands/ps';
import { main } from '../../../src/cli/main';

async function runCli(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(argv, { stdout, stderr, cwd: process.cwd(), env: {} });
  return { code, out, err };
}

describe('procs: mpscope ps arguments', () => {
  it('parses its flags', () => {
    assert.deepStrictEqual(parsePsArgs([]), { json: false, all: false });
    assert.deepStrictEqual(parsePsArgs(['--json', '--all', '--pid', '42']), { json: true, all: true, pid: 42 });
    assert.deepStrictEqual(parsePsArgs(['--pid=7']), { json: false, all: false, pid: 7 });
  });

  for (const [argv, message] of [
    [['--frob'], "mpscope: unknown option '--frob' for ps (see mpscope ps --help)\n"],
    [['--pid'], 'mpscope: --pid needs a process id, e.g. --pid 1234\n'],
    [['--pid', 'abc'], "mpscope: --pid needs a positive whole number, not 'abc'\n"],
    [['--pid', '0'], "mpscope: --pid needs a positive whole number, not '0'\n"],
    [['--pid', '-3'], "mpscope: --pid needs a positive whole number, not '-3'\n"],
    [['--pid=1.5'], "mpscope: --pid needs a positive whole number, not '1.5'\n"],
    [['extra'], "mpscope: unexpected argument 'extra' (see mpscope ps --help)\n"],
  ] as const) {
    it(`rejects ${JSON.stringify(argv)} in one line with status 2`, async () => {
      const r = await runCli(['ps', ...argv]);
      assert.strictEqual(r.code, 2);
      assert.strictEqual(r.err, message);
      assert.strictEqual(r.out, '');
    });
  }

  it('prints its help, naming the orphan rules', async () => {
    const r = await runCli(['ps', '--help']);
    assert.strictEqual(r.code, 0);
    assert.match(r.out, /Usage: mpscope ps \[--json\] \[--all\] \[--pid N\]/);
    assert.match(r.out, /session-mismatch/);
    assert.match((await runCli(['--help'])).out, /\bps\b.*process tree/);
  });
});
