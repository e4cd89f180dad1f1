#!/usr/bin/env node
// `npm run test:vscode:electron`: runs the same extension-host suite as `npm run test:vscode`,
// in VS Code desktop (Electron) downloaded by @vscode/test-electron, the ecosystem default. It
// needs internet access to download VS Code (once, into .vscode-test/), and a display on Linux
// (run it under `xvfb-run -a` on a headless machine). Offline it stops with one line: use
// `npm run test:vscode` (code-server) there.
//
//   MPSCOPE_VSCODE_VERSION=<version>  VS Code to download (default 1.100.3, the lowest we support;
//                                     "stable" for the newest)
//   MPSCOPE_TEST_GREP=<regex>         run only the tests whose full title matches
//   MPSCOPE_VSCODE_TIMEOUT=<seconds>  global bound for the whole run (default 900)
//
// There is no browser here, so the UI bridge (test/vscode/suite/util/ui.ts) is absent and the
// tests that need it skip themselves.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { downloadAndUnzipVSCode, SilentReporter } = require('@vscode/test-electron');
const { Lifetime } = require('./lib/lifetime');
const { SetupError, requirePython } = require('./lib/preflight');
const { ROOT, build } = require('./lib/session');
const { TreeTracker } = require('./lib/process-tree');

const NAME = 'test:vscode:electron';
const version = process.env.MPSCOPE_VSCODE_VERSION || '1.100.3';
const timeoutSeconds = Number(process.env.MPSCOPE_VSCODE_TIMEOUT || 900);
const life = new Lifetime({ name: NAME, timeoutMs: timeoutSeconds * 1000 });

async function download() {
  try {
    return await downloadAndUnzipVSCode({
      version,
      cachePath: path.join(ROOT, '.vscode-test'),
      timeout: 30000, // idle timeout: a stalled download fails instead of hanging
      ...(process.stdout.isTTY ? {} : { reporter: new SilentReporter() }),
    });
  } catch (err) {
    const reason = String(/** @type {Error} */ (err)?.message ?? err).split('\n')[0];
    throw new SetupError(
      `cannot download VS Code ${version} for @vscode/test-electron (${reason}); ` +
        'it needs internet access: offline, run `npm run test:vscode` (code-server) instead',
    );
  }
}

async function main() {
  requirePython();
  build();
  const executable = await life.race(download());

  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-electron-'));
  life.defer('remove run folder', () => fs.rmSync(runDir, { recursive: true, force: true }));
  const workspace = path.join(runDir, 'workspace');
  fs.cpSync(path.join(__dirname, 'workspace'), workspace, { recursive: true });

  const args = [
    workspace,
    `--extensionDevelopmentPath=${ROOT}`,
    `--extensionTestsPath=${path.join(ROOT, 'out', 'test', 'vscode', 'suite')}`,
    `--user-data-dir=${path.join(runDir, 'user-data')}`,
    `--extensions-dir=${path.join(runDir, 'extensions')}`,
    '--disable-extensions', // other installed extensions; the one under development still loads
    '--disable-workspace-trust',
    '--skip-welcome',
    '--skip-release-notes',
    '--disable-updates',
    '--disable-gpu',
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), // Chromium refuses to run as root otherwise
  ];
  const env = { ...process.env };
  delete env.MPSCOPE_UI_BRIDGE; // no browser to drive here: ui.ts tests skip themselves
  delete env.ELECTRON_RUN_AS_NODE;
  // Its own process group, so everything VS Code starts can be ended together.
  const child = spawn(executable, args, { env, stdio: 'inherit', detached: true });
  const tree = new TreeTracker({ rootPid: /** @type {number} */ (child.pid) });
  life.defer('stop VS Code', async () => {
    const survivors = await tree.kill();
    if (survivors.length > 0) console.error(`${NAME}: processes still alive after SIGKILL: ${survivors.join(' ')}`);
  });
  process.once('exit', () => tree.killSync());
  const code = await new Promise((resolve, reject) => {
    child.once('error', (err) => reject(new SetupError(`cannot start VS Code (${executable}): ${err.message}`)));
    child.once('exit', (status, sig) => resolve(status ?? (sig ? 1 : 0)));
  });
  if (code !== 0 && process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    console.error(`${NAME}: no display: on a headless Linux machine run it under xvfb-run -a`);
  }
  console.log(`${NAME}: extension-host suite ${code === 0 ? 'passed' : `failed (status ${code})`}`);
  return code === 0 ? 0 : 1;
}

if (require.main === module) void life.run(main);
