// Checks what the code-server launchers need before they start anything, so that a missing
// program ends the run with one line naming it and how to install it, instead of a hang or a
// stack trace from deep inside a tool.
const fs = require('fs');
const net = require('net');
const path = require('path');
const { spawnSync } = require('child_process');

/** A problem the user can fix; the launchers print its message alone and exit non-zero. */
class SetupError extends Error {}

/** The absolute path of an executable on PATH, or undefined. */
function which(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** python3 must run: the extension's features and the tests start Python processes. */
function requirePython() {
  const r = spawnSync('python3', ['--version'], { encoding: 'utf8', timeout: 20000 });
  if (r.error || r.status !== 0) {
    throw new SetupError('python3 not found: apt-get install python3');
  }
}

/** The Chromium binary Playwright drives: MPSCOPE_CHROMIUM, else Debian's `chromium` on PATH. */
function findChromium() {
  const configured = process.env.MPSCOPE_CHROMIUM;
  if (configured) {
    if (!fs.existsSync(configured)) {
      throw new SetupError(`chromium not found at MPSCOPE_CHROMIUM=${configured}`);
    }
    return configured;
  }
  const found = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']
    .map(which)
    .find(Boolean);
  if (!found) {
    throw new SetupError(
      'chromium not found: apt-get install chromium (or set MPSCOPE_CHROMIUM to a Chromium binary)',
    );
  }
  return found;
}

/** Resolves when `port` can be bound on `host`; rejects with a SetupError when it is in use. */
function requireFreePort(port, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (/** @type {NodeJS.ErrnoException} */ err) => {
      reject(
        new SetupError(
          err.code === 'EADDRINUSE'
            ? `port ${port} on ${host} is in use: stop what listens there or choose another with MPSCOPE_PORT=<port>`
            : `cannot listen on ${host}:${port}: ${err.message}`,
        ),
      );
    });
    server.listen(port, host, () => server.close(() => resolve(port)));
  });
}

/** A port nobody listens on right now, chosen by the kernel. */
function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** MPSCOPE_PORT when set, else `preferred` when given (either must be free), else a free port. */
async function choosePort(preferred, host = '127.0.0.1') {
  const wanted = process.env.MPSCOPE_PORT || (preferred ? String(preferred) : '');
  if (wanted) {
    const port = Number(wanted);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new SetupError(`MPSCOPE_PORT=${wanted} is not a port number`);
    }
    return requireFreePort(port, host);
  }
  return freePort(host);
}

module.exports = { SetupError, which, requirePython, findChromium, requireFreePort, freePort, choosePort };
