// The code-server launchers (`npm run test:vscode`, `npm start`) end with one clear line on bad
// input, and leave no process behind however they end: Ctrl-C, SIGKILL (the watchdog), or their
// global timeout. Every process they start inherits a marker variable, so the test finds them all
// in /proc, also the ones that left the process group or were re-parented to init.
import * as assert from 'assert';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { chromium, type Browser } from 'playwright-core';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const TEST_RUNNER = path.join(ROOT, 'test', 'vscode', 'run-code-server.js');
const DEMO = path.join(ROOT, 'test', 'vscode', 'open-demo.js');
const linux = process.platform === 'linux';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Live (non-zombie) processes whose environment holds MPSCOPE_TEST_MARKER=<marker>. */
function marked(marker: string): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = fs.readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0');
      if (!env.includes(`MPSCOPE_TEST_MARKER=${marker}`)) continue;
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'latin1');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0').join(' ').trim();
      found.push({ pid: Number(entry), cmd });
    } catch {
      // gone meanwhile, or not readable
    }
  }
  return found;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(200);
  }
}

/** Kills whatever a failed test left behind, so one failure does not leak into the next. */
function killMarked(marker: string) {
  for (const p of marked(marker)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function start(script: string, env: NodeJS.ProcessEnv, args: string[] = []) {
  const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: Run = { status: null, stdout: '', stderr: '' };
  child.stdout!.on('data', (d) => (run.stdout += d));
  child.stderr!.on('data', (d) => (run.stderr += d));
  const done = new Promise<Run>((resolve) => child.once('close', (status, sig) => resolve({ ...run, status: status ?? (sig ? 128 : null) })));
  return { child, run, done };
}

/** A folder of links to just the given programs, to run a launcher on a PATH that lacks others. */
function pathWith(dir: string, programs: Record<string, string>): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, target] of Object.entries(programs)) fs.symlinkSync(target, path.join(dir, name));
  return dir;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function chromiumPath(): string {
  const r = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' });
  return process.env.MPSCOPE_CHROMIUM || r.stdout.trim();
}

describe('launcher: bad input ends with one clear line', function () {
  this.timeout(60000);
  let tmp: string;
  const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-launcher-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  async function expectOneLine(env: NodeJS.ProcessEnv, pattern: RegExp) {
    const { done } = start(TEST_RUNNER, env);
    const r = await done;
    assert.strictEqual(r.status, 2, `status ${r.status}; stderr: ${r.stderr}`);
    const lines = r.stderr.split('\n').filter((l) => l.trim() && !/npm warn/.test(l));
    assert.strictEqual(lines.length, 1, `expected one line, got:\n${r.stderr}`);
    assert.match(lines[0], pattern);
  }

  it('names python3 and how to install it when it is missing', async () => {
    const bin = pathWith(path.join(tmp, 'bin'), { node: process.execPath });
    await expectOneLine({ PATH: bin }, /^python3 not found: apt-get install python3$/);
  });

  it('names chromium and how to install it when it is missing', async () => {
    const bin = pathWith(path.join(tmp, 'bin'), { node: process.execPath, python3: python });
    await expectOneLine({ PATH: bin, MPSCOPE_CHROMIUM: '' }, /^chromium not found: apt-get install chromium/);
  });

  it('says which port is in use', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      // Any existing file passes the browser check, which comes before the port check.
      await expectOneLine(
        { MPSCOPE_PORT: String(port), MPSCOPE_CHROMIUM: process.execPath },
        new RegExp(`^port ${port} on 127\\.0\\.0\\.1 is in use`),
      );
    } finally {
      server.close();
    }
  });

  it('reports a failed code-server install with its log instead of hanging', async function () {
    if (Number(process.versions.node.split('.')[0]) !== 20) this.skip(); // the check before it says "needs Node.js 20"
    // The installer on an empty cache folder, with a registry nobody answers at.
    const script = `require(${JSON.stringify(path.join(ROOT, 'test/vscode/lib/install-code-server.js'))})
      .ensureCodeServer({ root: ${JSON.stringify(tmp)}, log: () => {} })
      .then(() => process.exit(0), (e) => { console.error(e.message); process.exit(2); });`;
    const port = await freePort();
    const r = spawnSync(process.execPath, ['-e', script], {
      env: { ...process.env, npm_config_registry: `http://127.0.0.1:${port}/`, npm_config_fetch_retries: '0' },
      encoding: 'utf8',
      timeout: 50000,
    });
    assert.strictEqual(r.status, 2, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l.trim() && !/npm warn/.test(l));
    assert.strictEqual(lines.length, 1, r.stderr);
    assert.match(lines[0], /^code-server install failed .*see .*code-server-4\.100\.3-install\.log$/);
    assert.ok(!fs.existsSync(path.join(tmp, '.vscode-test', 'code-server-4.100.3', '.mpscope-installed')));
  });
});

describe('launcher: leaves no process behind', function () {
  this.timeout(180000);
  let marker: string;
  let browser: Browser | undefined;
  let demoDir: string | undefined;

  before(async function () {
    if (!linux) this.skip(); // finds processes through /proc
    // On a fresh machine the first launcher installs code-server (about a minute): do it here,
    // with its own bound, so that the tests below time only what they test.
    this.timeout(15 * 60 * 1000);
    const { ensureCodeServer } = require('../../vscode/lib/install-code-server');
    await ensureCodeServer({ root: ROOT, log: (line: string) => console.log(`      ${line}`) });
  });
  beforeEach(() => {
    marker = crypto.randomBytes(8).toString('hex');
  });
  afterEach(async () => {
    await browser?.close();
    browser = undefined;
    killMarked(marker);
    if (demoDir) fs.rmSync(demoDir, { recursive: true, force: true });
    demoDir = undefined;
  });

  /** Starts `npm start` on a free port and opens it in a browser, so an extension host runs. */
  async function startDemoWithClient(): Promise<{ child: ChildProcess; done: Promise<Run> }> {
    const port = await freePort();
    // Its own demo folder: someone may be running `npm start` on .vscode-test/demo right now.
    demoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-demo-'));
    const demo = start(DEMO, { MPSCOPE_TEST_MARKER: marker, MPSCOPE_PORT: String(port), MPSCOPE_DEMO_DIR: demoDir });
    await waitFor('the demo to print its URL', () => demo.run.stdout.includes(`http://127.0.0.1:${port}/`) || undefined, 150000);
    // The browser is the test's own (no marker): it plays the user.
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu'] });
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await waitFor(
      'an extension host',
      () => marked(marker).some((p) => /--type=extensionHost/.test(p.cmd)) || undefined,
      60000,
    );
    return demo;
  }

  it('npm start: Ctrl-C stops code-server, its extension host and watchers, and the watchdog', async () => {
    const demo = await startDemoWithClient();
    assert.ok(marked(marker).some((p) => /watchdog\.js/.test(p.cmd)), 'no watchdog was started');
    demo.child.kill('SIGINT');
    const r = await demo.done;
    assert.strictEqual(r.status, 130, r.stderr);
    assert.match(r.stderr, /SIGINT, shutting down/);
    assert.deepStrictEqual(marked(marker), []);
  });

  it('npm start: when the launcher is killed with SIGKILL, its watchdog stops everything and deletes its folders', async () => {
    const demo = await startDemoWithClient();
    const watchdog = marked(marker).find((p) => /watchdog\.js/.test(p.cmd));
    assert.ok(watchdog, 'no watchdog was started');
    // Its arguments: launcher pid, server pid, then the run folder and the socket folder.
    const folders = watchdog.cmd.split(' ').slice(-2);
    assert.ok(folders.every((f) => fs.existsSync(f)), `not folders: ${folders}`);
    demo.child.kill('SIGKILL');
    await demo.done;
    const left = await waitFor('the watchdog to clean up', () => {
      const now = marked(marker);
      return now.length === 0 ? now : undefined;
    }, 20000).catch(() => marked(marker));
    assert.deepStrictEqual(left, []);
    assert.deepStrictEqual(folders.filter((f) => fs.existsSync(f)), [], 'the watchdog left folders behind');
  });

  it('npm run test:vscode: SIGTERM mid-suite stops code-server, the extension host and Chromium', async () => {
    const { child, done } = start(TEST_RUNNER, { MPSCOPE_TEST_MARKER: marker });
    await waitFor(
      'the suite to run in an extension host, shown by Chromium',
      () => {
        const now = marked(marker);
        return (now.some((p) => /--type=extensionHost/.test(p.cmd)) && now.some((p) => /chrom/.test(p.cmd))) || undefined;
      },
      150000,
    );
    child.kill('SIGTERM');
    const r = await done;
    assert.strictEqual(r.status, 143, r.stderr);
    assert.deepStrictEqual(marked(marker), []);
  });

  it('npm run test:vscode: the global timeout stops everything and exits 124', async () => {
    const { done } = start(TEST_RUNNER, { MPSCOPE_TEST_MARKER: marker, MPSCOPE_VSCODE_TIMEOUT: '4' });
    const r = await done;
    assert.strictEqual(r.status, 124, `status ${r.status}: ${r.stderr}`);
    assert.match(r.stderr, /^test:vscode: timed out after 4s$/m);
    assert.deepStrictEqual(marked(marker), []);
  });
});
