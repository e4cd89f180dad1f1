// Installs code-server 4.100.3 (= VS Code 1.100.3, the newest release that runs on Node 20) from
// npm into an ignored cache folder, once. It is the only real VS Code these offline machines can
// run. The pitfalls it handles are in ../shared/notes/real-vscode-offline.md:
//   - postinstall.sh refuses to run as root without npm_config_unsafe_perm=true, and reads the
//     package manager and Node version from npm_config_user_agent;
//   - node-pty runs `npx node-gyp`, which waits at a prompt without npm_config_yes=true;
//   - kerberos needs Debian's libkrb5-dev (gssapi/gssapi.h) to compile;
//   - @vscode/ripgrep downloads rg from GitHub unless its cache holds a tarball, which we build
//     from Debian's `rg`;
//   - npm may exit 0 without running install scripts, so the result is checked, not trusted.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { SetupError, which } = require('./preflight');
const { TreeTracker } = require('./process-tree');

const CODE_SERVER_VERSION = '4.100.3';
// What @vscode/ripgrep 1.15.11 (inside code-server 4.100.3) looks for in its download cache.
const RIPGREP_PACKAGE_VERSION = '1.15.11';
const RIPGREP_RELEASE = 'v13.0.0-10';
const INSTALL_TIMEOUT_MS = Number(process.env.MPSCOPE_CODE_SERVER_INSTALL_TIMEOUT ?? 900) * 1000;

function installDir(root) {
  return path.join(root, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`);
}

function layout(dir) {
  const pkg = path.join(dir, 'node_modules', 'code-server');
  return {
    pkg,
    entry: path.join(pkg, 'out', 'node', 'entry.js'),
    vscodeModules: path.join(pkg, 'lib', 'vscode', 'node_modules'),
    rg: path.join(pkg, 'lib', 'vscode', 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'),
    extensionModules: path.join(pkg, 'lib', 'vscode', 'extensions', 'node_modules'),
    marker: path.join(dir, '.mpscope-installed'),
    log: path.join(dir, '..', `code-server-${CODE_SERVER_VERSION}-install.log`),
  };
}

/** What is missing from an install, or undefined when it is complete. */
function incomplete(dir) {
  const l = layout(dir);
  if (!fs.existsSync(l.entry)) return `${path.relative(dir, l.entry)} is missing`;
  const modules = fs.existsSync(l.vscodeModules) ? fs.readdirSync(l.vscodeModules) : [];
  // lib/vscode/node_modules is filled by code-server's postinstall, not by npm itself.
  if (modules.length < 20) return 'lib/vscode/node_modules was not populated (postinstall did not run)';
  if (!fs.existsSync(l.rg)) return 'ripgrep (lib/vscode/node_modules/@vscode/ripgrep/bin/rg) is missing';
  if (!fs.existsSync(l.extensionModules)) return 'lib/vscode/extensions/node_modules is missing';
  return undefined;
}

/** Puts Debian's `rg` where @vscode/ripgrep looks before it tries GitHub. */
function seedRipgrepCache(log) {
  if (os.platform() !== 'linux') return; // elsewhere the download from GitHub is expected to work
  const target = { x64: 'x86_64-unknown-linux-musl', arm64: 'aarch64-unknown-linux-musl' }[os.arch()];
  if (!target) return;
  const cacheDir = path.join(os.tmpdir(), `vscode-ripgrep-cache-${RIPGREP_PACKAGE_VERSION}`);
  const tarball = path.join(cacheDir, `ripgrep-${RIPGREP_RELEASE}-${target}.tar.gz`);
  if (fs.existsSync(tarball)) return;
  const rg = which('rg');
  if (!rg) {
    log('note: rg not found on PATH; code-server will try to download ripgrep from GitHub (apt-get install ripgrep to work offline)');
    return;
  }
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-rg-'));
  try {
    fs.copyFileSync(rg, path.join(staging, 'rg'));
    fs.chmodSync(path.join(staging, 'rg'), 0o755);
    fs.mkdirSync(cacheDir, { recursive: true });
    const partial = `${tarball}.${process.pid}.partial`;
    const r = spawnSync('tar', ['-czf', partial, '-C', staging, 'rg'], { encoding: 'utf8' });
    if (r.status !== 0) throw new SetupError(`cannot build the ripgrep cache tarball: ${r.stderr.trim()}`);
    fs.renameSync(partial, tarball); // atomic: a concurrent install never sees half a tarball
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Fails early, with the package to install, when the native build cannot succeed. */
function requireBuildTools() {
  if (!which('npm')) throw new SetupError('npm not found: install Node.js 20 with npm');
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) {
    throw new SetupError(
      `code-server ${CODE_SERVER_VERSION} needs Node.js 20 (this is ${process.version}): install Node.js 20`,
    );
  }
  if (os.platform() !== 'linux') return;
  if (!which('make') || !which('g++')) throw new SetupError('make or g++ not found: apt-get install build-essential');
  const gssapi = ['/usr/include/gssapi/gssapi.h', '/usr/include/gssapi.h'].some((f) => fs.existsSync(f));
  if (!gssapi) throw new SetupError('gssapi/gssapi.h not found (code-server builds kerberos): apt-get install libkrb5-dev');
}

/** Serialises installs between launchers that start at the same time (engineers, CI jobs). */
async function withLock(dir, fn) {
  const lock = `${dir}.lock`;
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + INSTALL_TIMEOUT_MS;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let holder = NaN;
      try {
        holder = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
      } catch {
        // the holder has not written its pid yet
      }
      let holderAlive = true;
      if (Number.isInteger(holder) && holder > 0) {
        try {
          process.kill(holder, 0);
        } catch (e) {
          holderAlive = e.code === 'EPERM';
        }
      }
      if (!holderAlive) {
        fs.rmSync(lock, { recursive: true, force: true }); // stale: its installer died
        continue;
      }
      if (Date.now() > deadline) throw new SetupError(`timed out waiting for another code-server install (${lock})`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** Runs npm install in its own process group, logging to `logFile`, bounded in time. */
function npmInstall(dir, logFile, env) {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(logFile, 'w');
    const child = spawn(
      'npm',
      ['install', '--no-audit', '--no-fund', '--no-save', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`],
      { cwd: dir, env, stdio: ['ignore', out, out], detached: true },
    );
    fs.closeSync(out);
    /** @type {NodeJS.Timeout | undefined} */
    let timer;
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new SetupError(`cannot start npm: ${err.message}`));
    });
    if (child.pid === undefined) return;
    // npm, node-gyp and compilers: all of it ends if the install is cut short.
    const tree = new TreeTracker({ rootPid: child.pid });
    let timedOut = false;
    timer = setTimeout(() => {
      timedOut = true;
      void tree.kill();
    }, INSTALL_TIMEOUT_MS);
    const cleanup = () => tree.killSync();
    process.once('exit', cleanup);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      tree.stop();
      process.removeListener('exit', cleanup);
      if (timedOut) reject(new SetupError(`code-server install timed out after ${INSTALL_TIMEOUT_MS / 1000}s (log: ${logFile})`));
      else resolve(code ?? sig);
    });
  });
}

/** The last lines of the install log that say what went wrong. */
function logHint(logFile) {
  try {
    const lines = fs.readFileSync(logFile, 'utf8').split('\n');
    const hit = lines.filter((l) => /gssapi|krb5|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|node-gyp|requires node|ERR!/.test(l));
    if (hit.some((l) => /gssapi|krb5/.test(l))) return 'libkrb5-dev missing: apt-get install libkrb5-dev';
    if (hit.some((l) => /ENOTFOUND|EAI_AGAIN|ECONNREFUSED/.test(l))) return 'network unreachable: the npm registry must be reachable';
    return hit.slice(-1)[0]?.trim() ?? '';
  } catch {
    return '';
  }
}

/**
 * Makes sure code-server is installed under <root>/.vscode-test and returns the path of its
 * entry script (run it with this Node). `log` receives one-line progress messages.
 * @param {{ root: string, log?: (line: string) => void }} opts
 */
async function ensureCodeServer({ root, log = (line) => console.log(line) }) {
  const dir = installDir(root);
  if (fs.existsSync(layout(dir).marker) && !incomplete(dir)) return layout(dir).entry;
  return withLock(dir, async () => {
    if (fs.existsSync(layout(dir).marker) && !incomplete(dir)) return layout(dir).entry; // a peer finished it
    requireBuildTools();
    const l = layout(dir);
    log(`installing code-server ${CODE_SERVER_VERSION} into ${path.relative(root, dir)} (about a minute; log: ${path.relative(root, l.log)})`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    // Its own package.json, so npm installs here and never touches the project's.
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'mpscope-code-server-cache', private: true, description: 'test cache; safe to delete' }, null, 2),
    );
    seedRipgrepCache(log);
    const env = {
      ...process.env,
      npm_config_unsafe_perm: 'true',
      npm_config_yes: 'true',
      npm_config_user_agent: `npm/${npmVersion()} node/${process.version} ${process.platform} ${process.arch}`,
      npm_config_update_notifier: 'false',
    };
    const started = Date.now();
    const status = await npmInstall(dir, l.log, env);
    const missing = incomplete(dir);
    if (status !== 0 || missing) {
      const hint = logHint(l.log);
      throw new SetupError(
        `code-server install failed (${status !== 0 ? `npm exit ${status}` : missing})${hint ? `: ${hint}` : ''}; see ${l.log}`,
      );
    }
    fs.writeFileSync(l.marker, `${CODE_SERVER_VERSION} installed ${new Date().toISOString()}\n`);
    log(`installed code-server ${CODE_SERVER_VERSION} in ${Math.round((Date.now() - started) / 1000)}s`);
    return l.entry;
  });
}

function npmVersion() {
  const r = spawnSync('npm', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '10';
}

module.exports = { CODE_SERVER_VERSION, ensureCodeServer, installDir };
