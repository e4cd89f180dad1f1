#!/usr/bin/env node
// `npm start`: builds mpscope and opens it in a real VS Code (code-server 4.100.3 = VS Code
// 1.100.3) on a copy of the demo folder media/examples/, at http://127.0.0.1:8765/. It runs until
// Ctrl-C, then stops code-server and everything it started.
//
//   MPSCOPE_PORT=<port>   listen on another port (default 8765)
//   MPSCOPE_DEMO_DIR=<dir>  where to put the copy of the demo folder (default .vscode-test/demo)
//   --check <file.png>    instead of waiting for Ctrl-C: open the page in headless Chromium,
//                         open the mpscope sidebar, save a screenshot, and exit (0 when the
//                         sidebar shows the Processes and Findings views)
//
// The extension is loaded from this working tree (linked into code-server's extensions folder):
// after a change, rebuild (`npm run build`, or keep `npm run watch` running) and run
// "Developer: Reload Window" in the browser. The demo copy is fresh on every start, in
// .vscode-test/demo/, so edits made there are lost when it restarts.
const fs = require('fs');
const path = require('path');
const { Lifetime } = require('./lib/lifetime');
const { openSession, ROOT } = require('./lib/session');

const NAME = 'mpscope demo';
const DEFAULT_PORT = 8765;

function parseArgs(argv) {
  const opts = { check: /** @type {string | undefined} */ (undefined) };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--check' && argv[i + 1]) opts.check = path.resolve(argv[++i]);
    else {
      console.error(`${NAME}: unknown argument '${argv[i]}' (usage: npm start [-- --check <file.png>])`);
      process.exit(2);
    }
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
// Checks are bounded; the interactive demo runs until Ctrl-C.
const life = new Lifetime({ name: NAME, timeoutMs: opts.check ? 300000 : undefined });

async function main() {
  const session = await openSession(life, {
    name: 'demo',
    folderSource: path.join(ROOT, 'media', 'examples'),
    workspaceDir: path.resolve(process.env.MPSCOPE_DEMO_DIR || path.join(ROOT, '.vscode-test', 'demo')),
    port: DEFAULT_PORT,
    linkExtension: true,
    needBrowser: Boolean(opts.check),
    log: (line) => console.log(`${NAME}: ${line}`),
  });
  // code-server opens the folder it was started on, so the plain address is the whole URL.
  const url = `${session.server.url}/`;
  if (opts.check) return check(session, url, opts.check);
  console.log(`${NAME}: VS Code 1.100.3 with mpscope on ${path.relative(ROOT, session.workspace)}/`);
  console.log(`${NAME}: open ${url} in a browser (Ctrl-C here to stop)`);
  // Stay up until Ctrl-C or SIGTERM (the Lifetime turns those into a clean shutdown), or until
  // code-server exits by itself.
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      try {
        process.kill(session.server.pid, 0);
      } catch {
        clearInterval(timer);
        resolve(undefined);
      }
    }, 1000);
  });
  console.error(`${NAME}: code-server stopped (log: ${session.server.logFile})`);
  return 1;
}

/** Opens the demo like a user would and proves the mpscope sidebar is there. */
async function check(session, url, png) {
  const { launchBrowser, closeBrowser } = require('./lib/browser');
  const { browser, page } = await life.race(launchBrowser(/** @type {string} */ (session.chromium)));
  life.defer('close browser', () => closeBrowser(browser));
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 });
  // The activity-bar entry carries the container's title, "mpscope".
  const entry = page.locator('.part.activitybar [aria-label^="mpscope"]').first();
  await entry.waitFor({ state: 'visible', timeout: 60000 });
  await entry.click();
  const sidebar = page.locator('.part.sidebar');
  await sidebar.locator('.pane-header:has-text("Findings")').waitFor({ state: 'visible', timeout: 30000 });
  await sidebar.locator('.pane-header:has-text("Processes")').waitFor({ state: 'visible', timeout: 30000 });
  // Open the example, so the screenshot shows the demo folder is the workspace.
  await page.locator('.part.editor').click();
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').waitFor({ state: 'visible', timeout: 10000 });
  await page.keyboard.type('pool_map.py');
  await page.locator('.quick-input-list-row:has-text("pool_map.py")').first().waitFor({ timeout: 30000 });
  await page.keyboard.press('Enter');
  await page.locator('.part.editor .view-lines:has-text("multiprocessing")').first().waitFor({ timeout: 30000 });
  // Run one of its commands from the palette: its log then says the extension's code activated.
  await page.keyboard.press('Control+Shift+P');
  await page.locator('.quick-input-widget input').waitFor({ state: 'visible', timeout: 10000 });
  await page.keyboard.type('mpscope: Show Log');
  await page.locator('.quick-input-list-row:has-text("mpscope: Show Log")').first().waitFor({ timeout: 30000 });
  await page.keyboard.press('Enter');
  await page.locator('.part.panel .view-lines:has-text("activated")').first().waitFor({ timeout: 30000 });
  fs.mkdirSync(path.dirname(png), { recursive: true });
  await page.screenshot({ path: png });
  console.log(`${NAME}: ${url} shows the mpscope sidebar with its views and the extension activated; screenshot: ${png}`);
  return 0;
}

if (require.main === module) void life.run(main);
