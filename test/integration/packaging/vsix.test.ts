// `npm run package` makes a small .vsix that holds the bundles and nothing of the sources,
// tests or caches. It runs in a copy of the project, because vscode:prepublish rebuilds dist/
// in production mode and other tests use the working tree's development bundles meanwhile.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const VSIX = `${manifest.name}-${manifest.version}.vsix`;
const MAX_BYTES = 5 * 1024 * 1024;

// Build products, caches and VCS data: what a fresh clone does not have.
const NOT_COPIED = new Set(['node_modules', '.git', '.vscode-test', 'dist', 'out', 'test-output', '__pycache__']);

/** Copies the project as a clean checkout would look, sharing node_modules by a link. */
function copyProject(to: string): void {
  fs.cpSync(ROOT, to, {
    recursive: true,
    filter: (src) => {
      const name = path.basename(src);
      return !NOT_COPIED.has(name) && !name.endsWith('.vsix') && !name.endsWith('.pyc');
    },
  });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(to, 'node_modules'), 'dir');
}

/** The entry names of a zip file, read with Python's standard zipfile module. */
function zipEntries(file: string): string[] {
  const r = spawnSync('python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', file], {
    encoding: 'utf8',
  });
  assert.strictEqual(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

describe('packaging: npm run package', function () {
  this.timeout(240000);
  let work: string;
  let vsix: string;
  let entries: string[];

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-vsix-'));
    const project = path.join(work, 'project');
    copyProject(project);
    const r = spawnSync('npm', ['run', 'package'], { cwd: project, encoding: 'utf8', timeout: 200000 });
    assert.strictEqual(r.status, 0, `npm run package failed:\n${r.stdout}\n${r.stderr}`);
    vsix = path.join(project, VSIX);
    assert.ok(fs.existsSync(vsix), `${VSIX} was not produced`);
    entries = zipEntries(vsix);
  });

  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it(`produces ${VSIX} smaller than 5 MB`, () => {
    const size = fs.statSync(vsix).size;
    assert.ok(size < MAX_BYTES, `${VSIX} is ${(size / 1024 / 1024).toFixed(1)} MB`);
  });

  it('contains the manifest, the three bundles, the README and the activity-bar icon', () => {
    for (const wanted of [
      'extension/package.json',
      'extension/readme.md',
      'extension/dist/extension.js',
      'extension/dist/server.js',
      'extension/dist/cli.js',
      'extension/media/activity-bar.svg',
    ]) {
      assert.ok(
        entries.some((e) => e.toLowerCase() === wanted),
        `${wanted} is missing; the .vsix holds: ${entries.join(', ')}`,
      );
    }
  });

  it('leaves out sources, tests, caches, dependencies and source maps', () => {
    const unwanted = entries.filter(
      (e) =>
        /^extension\/src\/.*\.ts$/.test(e) ||
        /^extension\/test\//.test(e) ||
        /^extension\/out\//.test(e) ||
        /(^|\/)node_modules\//.test(e) ||
        /(^|\/)\.vscode-test\//.test(e) ||
        /(^|\/)test-output\//.test(e) ||
        /\.map$/.test(e) ||
        /(^|\/)__pycache__\//.test(e),
    );
    assert.deepStrictEqual(unwanted, []);
  });

  it('ships bundles that run on their own: the packaged CLI prints its version', () => {
    const extracted = path.join(work, 'extracted');
    const r = spawnSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', vsix, extracted], {
      encoding: 'utf8',
    });
    assert.strictEqual(r.status, 0, r.stderr);
    // No node_modules next to it: everything the CLI needs must be inside the bundle.
    const cli = spawnSync(process.execPath, [path.join(extracted, 'extension', 'dist', 'cli.js'), '--version'], {
      cwd: work,
      encoding: 'utf8',
      timeout: 30000,
    });
    assert.strictEqual(cli.status, 0, cli.stderr);
    assert.strictEqual(cli.stdout.trim(), manifest.version);
  });
});
