#!/usr/bin/env node
// `npm run test:vscode`: runs the extension-host Mocha suite (out/test/vscode/suite/index.js) in a
// real VS Code, offline: code-server 4.100.3 (VS Code 1.100.3) driven by headless Chromium
// through playwright-core. See ../shared/notes/real-vscode-offline.md for why this way.
//
//   MPSCOPE_TEST_GREP=<regex>         run only the tests whose full title matches
//   MPSCOPE_VSCODE_TIMEOUT=<seconds>  global bound for the whole run (default 900)
//   MPSCOPE_PORT=<port>               use this port instead of a free one
//   MPSCOPE_CHROMIUM=<path>           the browser binary (default: chromium on PATH)
//
// It exits with the suite's status (0 = all passed). Setup problems (no python3, no chromium, a
// failed code-server install, a port in use) end it with one line and status 2. It always stops
// code-server, its helpers and the browser: on success, failure, error, Ctrl-C, SIGTERM and the
// global timeout. Screenshots taken by tests land in test-output/screenshots/, and the server
// and browser logs of the last run in test-output/vscode/.
const fs = require('fs');
const path = require('path');
const { Lifetime } = require('./lib/lifetime');
const { SetupError } = require('./lib/preflight');
const { openSession, workbenchUrl, ROOT } = require('./lib/session');
const { launchBrowser, closeBrowser } = require('./lib/browser');
const { startBridge } = require('./lib/ui-bridge');

const NAME = 'test:vscode';
const timeoutSeconds = Number(process.env.MPSCOPE_VSCODE_TIMEOUT || 900);
const life = new Lifetime({ name: NAME, timeoutMs: timeoutSeconds * 1000 });
const OUTPUT = path.join(ROOT, 'test-output');
const LOGS = path.join(OUTPUT, 'vscode');

// The workbench's own start-up chatter and the errors of being offline. Everything else (the
// Mocha reporter, console output of tests and of the extension) is printed.
const WORKBENCH_NOISE = new RegExp(
  [
    '^Resolving connection token',
    '^Resolved connection token',
    '^Creating a socket',
    '^\\[Service Worker\\]',
    '^Updating additional builtin extensions cache',
    '^ChatSessionStore',
    'open-vsx\\.org',
    'ENOTFOUND|ERR_NAME_NOT_RESOLVED',
  ].join('|'),
);

async function main() {
  fs.mkdirSync(LOGS, { recursive: true });
  const browserLog = fs.createWriteStream(path.join(LOGS, 'browser.log'));
  life.defer('close browser log', () => new Promise((resolve) => browserLog.end(resolve)));

  const session = await openSession(life, {
    name: 'test',
    folderSource: path.join(__dirname, 'workspace'),
    needBrowser: true,
    bridge: true,
    log: (line) => console.log(`${NAME}: ${line}`),
  });
  // Keep the server log of the last run where people look for test output.
  life.defer('keep code-server log', () => {
    if (fs.existsSync(session.server.logFile)) fs.copyFileSync(session.server.logFile, path.join(LOGS, 'code-server.log'));
  });

  const { browser, page } = await life.race(launchBrowser(/** @type {string} */ (session.chromium)));
  life.defer('close browser', () => closeBrowser(browser));

  // The workbench reports the suite's outcome through these two functions (the same protocol
  // as @vscode/test-web): log lines of the extension host, then the exit status.
  let resolveExit = (/** @type {number} */ _code) => {};
  const exited = new Promise((resolve) => (resolveExit = resolve));
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const text = Array.isArray(args) ? args.join(' ') : String(args);
    if (WORKBENCH_NOISE.test(text)) return; // kept in browser.log through the console event
    if (type === 'error') console.error(text);
    else console.log(text);
  });
  await page.exposeFunction('codeAutomationExit', (code) => resolveExit(Number(code)));
  page.on('console', (msg) => browserLog.write(`[${msg.type()}] ${msg.text()}\n`));
  page.on('pageerror', (err) => browserLog.write(`[pageerror] ${err.message}\n`));
  const crashed = new Promise((_, reject) =>
    page.on('crash', () => reject(new SetupError(`${NAME}: the browser page crashed (see ${path.relative(ROOT, LOGS)}/)`))),
  );

  const bridge = startBridge({
    dir: /** @type {string} */ (session.bridgeDir),
    page,
    screenshotDir: path.join(OUTPUT, 'screenshots'),
    log: (line) => browserLog.write(`[bridge] ${line}\n`),
  });
  life.defer('stop ui bridge', () => bridge.stop());

  const url = workbenchUrl(session.server, {
    folder: session.workspace,
    extensionRoot: ROOT,
    testsPath: path.join(ROOT, 'out', 'test', 'vscode', 'suite'),
  });
  const grep = process.env.MPSCOPE_TEST_GREP;
  console.log(`${NAME}: VS Code 1.100.3 (code-server) on ${session.server.url}${grep ? `, MPSCOPE_TEST_GREP=${grep}` : ''}`);
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 });
  const code = await Promise.race([exited, crashed]);
  console.log(`${NAME}: extension-host suite ${code === 0 ? 'passed' : `failed (status ${code})`}`);
  return code === 0 ? 0 : 1;
}

if (require.main === module) void life.run(main);
