// Starts code-server in its own process group and stops it with everything it started.
const fs = require('fs');
const http = require('http');
const path = require('path');
const { spawn } = require('child_process');
const { SetupError } = require('./preflight');
const { TreeTracker } = require('./process-tree');

/**
 * The extension host is killed with code-server, so it cannot remove the directories of the
 * mpscope runs it had prepared (a warm supervisor's socket, src/runner/warmSupervisor.ts): those
 * named after a killed process (`mpscope-<pid>-XXXXXX`, src/runner/channel.ts) go here. The
 * next run would remove them too, but they sit in RAM (/dev/shm) until then.
 */
function removeRunDirs(pids) {
  const killed = new Set(pids.map(String));
  for (const base of new Set([process.env.XDG_RUNTIME_DIR, '/dev/shm', require('os').tmpdir()].filter(Boolean))) {
    let names = [];
    try {
      names = fs.readdirSync(base);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = /^mpscope-(\d+)-[A-Za-z0-9]{6}$/.exec(name);
      if (m && killed.has(m[1])) fs.rmSync(path.join(base, name), { recursive: true, force: true });
    }
  }
}

const USER_SETTINGS = {
  'git.openRepositoryInParentFolders': 'never',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'workbench.enableExperiments': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'files.exclude': { '**/.mpscope-copy': true }, // the launchers' marker in their workspace copies
};

/** GET url; resolves to the status code, or 0 when nothing answers. */
function probe(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/**
 * @typedef {object} ServerOptions
 * @property {string} entry         code-server's out/node/entry.js
 * @property {number} port
 * @property {string} folder        the workspace folder to open
 * @property {string} runDir        fresh folder for user data, extensions and logs
 * @property {string} socketDir     short private folder for unix sockets (paths are length-limited)
 * @property {NodeJS.ProcessEnv} [env]  extra environment for code-server and its extension host
 * @property {number} [readyTimeoutMs]
 * @property {(server: { pid: number, stop: () => Promise<number[]> }) => void} [onSpawn]
 *   called as soon as the process exists, before it is ready
 */

/**
 * Starts code-server and resolves once it answers /healthz.
 * @param {ServerOptions} opts
 */
async function startCodeServer(opts) {
  const host = '127.0.0.1';
  const userDataDir = path.join(opts.runDir, 'user-data');
  const extensionsDir = path.join(opts.runDir, 'extensions');
  const config = path.join(opts.runDir, 'config.yaml');
  const logFile = path.join(opts.runDir, 'code-server.log');
  fs.mkdirSync(userDataDir, { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  // Quiet, offline-friendly user settings: no update or gallery checks, and no prompt to open the
  // repository that contains the run folder (.vscode-test/ lives inside the project's checkout).
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  // Our own config file: otherwise code-server writes ~/.config/code-server/config.yaml.
  fs.writeFileSync(config, 'auth: none\ncert: false\n');
  const args = [
    opts.entry,
    '--auth', 'none',
    '--bind-addr', `${host}:${opts.port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--config', config,
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--session-socket', path.join(opts.socketDir, 'cs.sock'),
    opts.folder,
  ];
  const out = fs.openSync(logFile, 'a');
  // detached: code-server leads its own process group, so it and its helpers (extension host,
  // pty host, file watchers) can be signalled together, and Ctrl-C in the terminal reaches only
  // the launcher, which then shuts everything down in order.
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, ...opts.env },
  });
  fs.closeSync(out);
  let exited = false;
  child.once('exit', () => (exited = true));
  const failedToSpawn = new Promise((resolve) => child.once('error', resolve));
  if (child.pid === undefined) throw new SetupError(`cannot start code-server: ${String(await failedToSpawn)}`);
  const tree = new TreeTracker({ rootPid: child.pid });
  // The last resort if the launcher exits without stopping it (an uncaught error).
  const onExit = () => tree.killSync();
  process.once('exit', onExit);

  const server = {
    pid: child.pid,
    url: `http://${host}:${opts.port}`,
    host: `${host}:${opts.port}`,
    logFile,
    userDataDir,
    extensionsDir,
    /** Stops code-server and every process it started; resolves to pids still alive (none). */
    async stop() {
      process.removeListener('exit', onExit);
      const survivors = await tree.kill();
      removeRunDirs([...tree.known.keys()]);
      return survivors;
    },
  };
  // Whoever started it can now undo it, even if the launcher is stopped before it is ready.
  opts.onSpawn?.(server);

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60000);
  for (;;) {
    const spawnError = await Promise.race([failedToSpawn, new Promise((r) => setTimeout(() => r(undefined), 250))]);
    if (spawnError) throw new SetupError(`cannot start code-server: ${/** @type {Error} */ (spawnError).message}`);
    if ((await probe(`${server.url}/healthz`)) === 200) return server;
    if (exited || Date.now() > deadline) {
      await server.stop();
      const log = fs.readFileSync(logFile, 'utf8');
      if (/EADDRINUSE/.test(log)) {
        throw new SetupError(`port ${opts.port} on ${host} is in use: stop what listens there or choose another with MPSCOPE_PORT=<port>`);
      }
      const last = log.trim().split('\n').slice(-1)[0] ?? '';
      throw new SetupError(
        `code-server ${exited ? 'exited' : 'did not answer within ' + Math.round((opts.readyTimeoutMs ?? 60000) / 1000) + 's'}` +
          `${last ? `: ${last.trim()}` : ''} (log: ${logFile})`,
      );
    }
  }
}

module.exports = { startCodeServer };
