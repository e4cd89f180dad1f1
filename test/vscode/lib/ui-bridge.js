// The launcher's half of the UI bridge. Extension tests run in the extension host (a Node
// process on the server side) and cannot see the browser; test/vscode/suite/util/ui.ts writes
// a request file into the folder named by MPSCOPE_UI_BRIDGE, and this side carries it out on
// the Playwright page and writes the answer next to it.
//   req-<id>.json  {"op": "screenshot"|"query"|"click"|"press"|"type"|"waitFor", ...args}
//   res-<id>.json  {"ok": true, "result": ...} | {"ok": false, "error": "one line"}
// Both files are written to a temporary name and renamed, so neither side reads half a file.
const fs = require('fs');
const path = require('path');

/** File names safe on every OS: "processes view/1" -> "processes-view-1". */
function safeName(name) {
  const cleaned = String(name).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return cleaned || 'screenshot';
}

/**
 * @param {{ dir: string, page: import('playwright-core').Page, screenshotDir: string, log: (line: string) => void }} opts
 */
function startBridge({ dir, page, screenshotDir, log }) {
  fs.mkdirSync(dir, { recursive: true });
  const ops = {
    /** @param {{ name: string, selector?: string, fullPage?: boolean, timeout?: number }} a */
    async screenshot(a) {
      fs.mkdirSync(screenshotDir, { recursive: true });
      const file = path.join(screenshotDir, `${safeName(a.name)}.png`);
      if (a.selector) await page.locator(a.selector).first().screenshot({ path: file, timeout: a.timeout ?? 10000 });
      else await page.screenshot({ path: file, fullPage: Boolean(a.fullPage) });
      log(`screenshot: ${file}`);
      return file;
    },
    /** @param {{ selector: string }} a */
    async query(a) {
      return page.$$eval(a.selector, (els) =>
        els.map((el) => {
          const rect = el.getBoundingClientRect();
          const style = window.getComputedStyle(el);
          return {
            text: (el.textContent ?? '').trim(),
            // What is rendered: leaves out hidden descendants (textContent does not).
            visibleText: (el instanceof HTMLElement ? el.innerText : el.textContent ?? '').trim(),
            ariaLabel: el.getAttribute('aria-label'),
            title: el.getAttribute('title'),
            role: el.getAttribute('role'),
            className: typeof el.className === 'string' ? el.className : '',
            visible: rect.width > 0 && rect.height > 0 && style.visibility !== 'hidden' && style.display !== 'none',
          };
        }),
      );
    },
    /** @param {{ selector: string, index?: number, timeout?: number, button?: 'left' | 'right' | 'middle' }} a */
    async click(a) {
      await page.locator(a.selector).nth(a.index ?? 0).click({ timeout: a.timeout ?? 10000, button: a.button ?? 'left' });
      return null;
    },
    /** @param {{ key: string }} a  a Playwright key chord, e.g. "Control+Shift+P", "Enter" */
    async press(a) {
      await page.keyboard.press(a.key);
      return null;
    },
    /** @param {{ text: string }} a */
    async type(a) {
      await page.keyboard.type(a.text);
      return null;
    },
    /** @param {{ selector: string, state?: 'attached' | 'detached' | 'visible' | 'hidden', timeout?: number }} a */
    async waitFor(a) {
      await page.locator(a.selector).first().waitFor({ state: a.state ?? 'visible', timeout: a.timeout ?? 10000 });
      return null;
    },
  };

  let stopped = false;
  let busy = false;
  const handled = new Set();
  async function handle(file) {
    const id = file.slice('req-'.length, -'.json'.length);
    let reply;
    /** @type {any} */
    let request;
    try {
      request = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
      const op = ops[request.op];
      if (!op) throw new Error(`unknown ui bridge operation '${request.op}'`);
      reply = { ok: true, result: await op(request) };
    } catch (err) {
      const first = String(/** @type {Error} */ (err)?.message ?? err).split('\n')[0];
      reply = { ok: false, error: request?.selector ? `${first} (selector: ${request.selector})` : first };
    }
    const tmp = path.join(dir, `.res-${id}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(reply));
    fs.renameSync(tmp, path.join(dir, `res-${id}.json`));
  }
  const timer = setInterval(async () => {
    if (busy || stopped) return;
    busy = true;
    try {
      // One request at a time, in order: UI operations on one page must not interleave.
      for (const file of fs.readdirSync(dir).sort()) {
        if (stopped) break;
        if (!file.startsWith('req-') || !file.endsWith('.json') || handled.has(file)) continue;
        handled.add(file);
        await handle(file);
      }
    } catch (err) {
      log(`ui bridge: ${/** @type {Error} */ (err).message}`);
    } finally {
      busy = false;
    }
  }, 50);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

module.exports = { startBridge };
