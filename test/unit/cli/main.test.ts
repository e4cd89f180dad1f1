import * as assert from 'assert';
import { PassThrough } from 'stream';
import { main } from '../../../src/cli/main';
import { version } from '../../../package.json';

/** Runs the CLI in-process and captures what it prints. */
export async function runCli(argv: string[], cwd = process.cwd()) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(argv, { stdout, stderr, cwd, env: {} });
  return { code, out, err };
}

describe('cli: mpscope', () => {
  it('prints its version', async () => {
    const r = await runCli(['--version']);
    assert.strictEqual(r.code, 0);
    assert.strictEqual(r.out.trim(), version);
  });

  it('prints help naming its commands', async () => {
    const r = await runCli(['--help']);
    assert.strictEqual(r.code, 0);
    assert.match(r.out, /Usage: mpscope <command>/);
  });

  it('rejects an unknown command with one line and status 2', async () => {
    const r = await runCli(['frobnicate']);
    assert.strictEqual(r.code, 2);
    assert.strictEqual(r.err, "mpscope: unknown command 'frobnicate' (see mpscope --help)\n");
    assert.strictEqual(r.out, '');
  });

  it('rejects an unknown flag with status 2', async () => {
    const r = await runCli(['--frobnicate']);
    assert.strictEqual(r.code, 2);
    assert.match(r.err, /unknown option '--frobnicate'/);
  });
});
