// The bundled CLI (dist/cli.js, the package's `bin`) as a user runs it: a real Node process,
// its exit status and what it prints. The unit tests call main() in-process; this proves the
// bundle itself starts (a bundling mistake can break it while every unit test passes).
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

function mpscope(args: string[], direct = false) {
  // `direct` runs the file itself, through its #! line, the way npm's bin link does.
  const r = direct
    ? spawnSync(CLI, args, { encoding: 'utf8', timeout: 30000 })
    : spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cli: the bundled mpscope command', () => {
  before(function () {
    if (!fs.existsSync(CLI)) {
      this.timeout(120000);
      const b = spawnSync(process.execPath, ['esbuild.js'], { cwd: ROOT, encoding: 'utf8' });
      assert.strictEqual(b.status, 0, `build failed: ${b.stderr}`);
    }
  });

  it('--version prints the package version and exits 0', () => {
    const r = mpscope(['--version']);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.strictEqual(r.stdout, `${version}\n`);
    assert.strictEqual(r.stderr, '');
  });

  it('runs as an executable through its #! line', () => {
    const r = mpscope(['--version'], true);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.strictEqual(r.stdout, `${version}\n`);
  });

  it('--help prints usage and the exit statuses, and exits 0', () => {
    const r = mpscope(['--help']);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Usage: mpscope <command> \[options\]$/m);
    assert.match(r.stdout, /--version/);
    assert.match(r.stdout, /2 usage error/);
  });

  it('an unknown command prints one line on stderr and exits 2', () => {
    const r = mpscope(['frobnicate']);
    assert.strictEqual(r.status, 2);
    assert.strictEqual(r.stdout, '');
    assert.strictEqual(r.stderr, "mpscope: unknown command 'frobnicate' (see mpscope --help)\n");
  });

  it('an unknown option prints one line on stderr and exits 2', () => {
    const r = mpscope(['--frobnicate']);
    assert.strictEqual(r.status, 2);
    assert.strictEqual(r.stdout, '');
    assert.strictEqual(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
    assert.match(r.stderr, /^mpscope: unknown option '--frobnicate'/);
  });
});
