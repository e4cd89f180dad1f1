// What both code-server launchers (the test runner and `npm start`) do: check the machine,
// build, install code-server, and start it on a copy of a folder with fresh user data, all
// registered with the Lifetime so that it is undone however the launcher ends.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { SetupError, requirePython, findChromium, choosePort } = require('./preflight');
const { ensureCodeServer } = require('./install-code-server');
const { startCodeServer } = require('./code-server');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const RUNS = path.join(ROOT, '.vscode-test', 'runs');

/** Builds the bundles (dist/ and the extension-host suite in out/): a second, and never stale. */
function build() {
  const r = spawnSync(process.execPath, ['esbuild.js'], { cwd: ROOT, encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0) {
    throw new SetupError(`build failed (node esbuild.js): ${(r.stderr || r.stdout || String(r.error)).trim().split('\n')[0]}`);
  }
}

/** Removes run folders whose launcher is gone (killed before it could clean up). */
function pruneStaleRuns() {
  if (!fs.existsSync(RUNS)) return;
  for (const name of fs.readdirSync(RUNS)) {
    const dir = path.join(RUNS, name);
    let owner = NaN;
    try {
      owner = Number(fs.readFileSync(path.join(dir, 'owner.pid'), 'utf8'));
    } catch {
      // No pid file: a run that died while starting, or one that a launcher is creating right now.
      if (Date.now() - fs.statSync(dir).mtimeMs < 60000) continue;
    }
    let alive = false;
    if (Number.isInteger(owner) && owner > 0) {
      try {
        process.kill(owner, 0);
        alive = true;
      } catch (err) {
        alive = /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
      }
    }
    if (alive) continue;
    try {
      const socketDir = fs.readFileSync(path.join(dir, 'socket-dir'), 'utf8');
      if (path.basename(socketDir).startsWith('mpscope-')) fs.rmSync(socketDir, { recursive: true, force: true });
    } catch {
      // no socket folder recorded
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Marks a folder as a copy made here, which the next start may delete and copy afresh. */
const COPY_MARKER = '.mpscope-copy';

/** Copies `from` to `to`, replacing an earlier copy but never a folder someone else made. */
function replaceWithCopy(from, to) {
  if (fs.existsSync(to) && fs.readdirSync(to).length > 0 && !fs.existsSync(path.join(to, COPY_MARKER))) {
    throw new SetupError(`${to} already exists and is not an mpscope demo copy: remove it or choose another folder`);
  }
  fs.rmSync(to, { recursive: true, force: true });
  fs.cpSync(from, to, { recursive: true });
  fs.writeFileSync(path.join(to, COPY_MARKER), 'A copy made by mpscope\'s launcher; it is replaced on every start.\n');
}

/** Starts the watchdog that ends code-server (and deletes `folders`) if this launcher is killed with SIGKILL. */
function startWatchdog(serverPid, folders) {
  const args = [path.join(__dirname, 'watchdog.js'), String(process.pid), String(serverPid), ...folders];
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child;
}

/**
 * @param {import('./lifetime').Lifetime} life
 * @param {{
 *   name: string,                 // run folder prefix
 *   folderSource: string,         // folder copied into the run as the workspace
 *   workspaceDir?: string,        // where to put the copy (default: inside the run folder)
 *   env?: NodeJS.ProcessEnv,      // extra environment for code-server and the extension host
 *   needBrowser?: boolean,
 *   port?: number,                // preferred port (MPSCOPE_PORT wins); default: any free port
 *   linkExtension?: boolean,      // load this working tree as an installed extension
 *   bridge?: boolean,             // give the extension host a UI bridge folder (MPSCOPE_UI_BRIDGE)
 *   log?: (line: string) => void,
 * }} opts
 */
async function openSession(life, opts) {
  const log = opts.log ?? ((line) => console.log(line));
  requirePython();
  const chromium = opts.needBrowser ? findChromium() : undefined;
  // A port asked for must be free: say so now rather than after a minute of installing.
  if (process.env.MPSCOPE_PORT || opts.port) await choosePort(opts.port);
  build();
  const entry = await life.race(ensureCodeServer({ root: ROOT, log }));
  const port = await choosePort(opts.port);

  pruneStaleRuns();
  fs.mkdirSync(RUNS, { recursive: true });
  const runDir = fs.mkdtempSync(path.join(RUNS, `${opts.name}-`));
  fs.writeFileSync(path.join(runDir, 'owner.pid'), String(process.pid));
  life.defer('remove run folder', () => fs.rmSync(runDir, { recursive: true, force: true }));
  // Unix socket paths are limited to ~100 bytes, so sockets and the bridge live in a short tmp path.
  const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-'));
  fs.writeFileSync(path.join(runDir, 'socket-dir'), socketDir);
  life.defer('remove socket folder', () => fs.rmSync(socketDir, { recursive: true, force: true }));

  const bridgeDir = opts.bridge ? path.join(socketDir, 'ui-bridge') : undefined;
  if (bridgeDir) fs.mkdirSync(bridgeDir);
  const env = { ...opts.env, ...(bridgeDir ? { MPSCOPE_UI_BRIDGE: bridgeDir } : {}) };

  const workspace = opts.workspaceDir ?? path.join(runDir, 'workspace');
  replaceWithCopy(opts.folderSource, workspace);

  if (opts.linkExtension) {
    // An extension folder linked into the extensions dir loads like an installed one (VS Code
    // scans the folder on first start), straight from the working tree: rebuild and reload the
    // window to see a change. The name must be <publisher>.<name>-<version>.
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const extensionsDir = path.join(runDir, 'extensions');
    fs.mkdirSync(extensionsDir, { recursive: true });
    fs.symlinkSync(ROOT, path.join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`), 'dir');
  }

  const onSpawn = (/** @type {{ pid: number, stop: () => Promise<number[]> }} */ spawned) => {
    const watchdog = startWatchdog(spawned.pid, [runDir, socketDir]);
    life.defer('stop watchdog', () => {
      try {
        process.kill(/** @type {number} */ (watchdog.pid), 'SIGKILL');
      } catch {
        // it already exited
      }
    });
    life.defer('stop code-server', async () => {
      const survivors = await spawned.stop();
      if (survivors.length > 0) console.error(`${life.name}: processes still alive after SIGKILL: ${survivors.join(' ')}`);
    });
  };
  const server = await life.race(
    startCodeServer({ entry, port, folder: workspace, runDir, socketDir, env, onSpawn }),
  );
  return { root: ROOT, server, workspace, runDir, socketDir, bridgeDir, chromium, port };
}

/**
 * The URL that opens `folder` with the extension at `extensionRoot` loaded in development mode,
 * optionally running the extension-host tests at `testsPath` (what @vscode/test-web does).
 */
function workbenchUrl(server, { folder, extensionRoot, testsPath }) {
  const payload = [['extensionDevelopmentPath', `vscode-remote://${server.host}${extensionRoot}`]];
  if (testsPath) payload.push(['extensionTestsPath', `vscode-remote://${server.host}${testsPath}`]);
  payload.push(['skipWelcome', 'true']);
  return `${server.url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

module.exports = { ROOT, build, openSession, workbenchUrl };
