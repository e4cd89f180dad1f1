// Launches Debian's Chromium headless through playwright-core (never `npx playwright install`,
// which downloads a browser and fails offline).
const { chromium } = require('playwright-core');
const { SetupError } = require('./preflight');

const CHROMIUM_ARGS = [
  '--no-sandbox', // CI runs as root, where Chromium's sandbox refuses to start
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * @param {string} executablePath
 * @returns {Promise<{ browser: import('playwright-core').Browser, page: import('playwright-core').Page }>}
 */
async function launchBrowser(executablePath) {
  let browser;
  try {
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 60000,
      // The launcher handles signals itself so that it can stop code-server too.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (err) {
    const first = String(/** @type {Error} */ (err).message).split('\n')[0];
    throw new SetupError(`cannot start chromium (${executablePath}): ${first}`);
  }
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  return { browser, page };
}

/** Closes the browser, bounded in time: a wedged Chromium must not hang the launcher. */
async function closeBrowser(browser) {
  if (!browser) return;
  await Promise.race([browser.close().catch(() => {}), new Promise((r) => setTimeout(r, 10000))]);
}

module.exports = { launchBrowser, closeBrowser };
