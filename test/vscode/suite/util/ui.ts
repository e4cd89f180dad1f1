/**
 * The UI bridge: lets an extension test (running in the extension host, a Node process) look at
 * and operate the real workbench in the browser that `npm run test:vscode` drives with Playwright.
 *
 *   import { ui } from './util/ui';
 *
 *   it('shows the processes view', async function () {
 *     ui.skipUnlessAvailable(this);               // skips (with the reason) where there is no browser
 *     await vscode.commands.executeCommand('workbench.view.extension.mpscope');
 *     await ui.waitFor('.pane-header[aria-label^="Processes"]');     // CSS or any Playwright selector
 *     const rows = await ui.query('.monaco-list-row');                 // [{ text, visibleText, ariaLabel, title, role, className, visible }]
 *     await ui.click('.monaco-list-row', { index: 0 });              // waits for the element first
 *     await ui.press('Control+Shift+P'); await ui.type('mpscope');   // keyboard, Playwright key names
 *     const png = await ui.screenshot('processes-view');             // test-output/screenshots/processes-view.png
 *     await ui.screenshot('one-pane', { selector: '.part.sidebar' }); // just one element
 *   });
 *
 * Every call resolves once the browser side has done it, and rejects with the browser side's
 * one-line error (for example a selector that matched nothing before its timeout). Calls are
 * carried out one at a time, in order. Look at the screenshots: they show what a user would see.
 *
 * How it works: the code-server launcher sets MPSCOPE_UI_BRIDGE on the code-server process (the
 * extension host inherits it) to a private folder. A call writes `req-<id>.json` there and polls
 * for `res-<id>.json`, which the launcher writes after running the request on the page
 * (test/vscode/lib/ui-bridge.js). Under `npm run test:vscode:electron` there is no bridge:
 * `ui.available` is false and tests that need it skip themselves with `ui.skipUnlessAvailable(this)`.
 */
import * as fs from 'fs';
import * as path from 'path';

/** What `ui.query` reports about each element that matches. */
export interface UiElement {
  /** textContent, trimmed: all the text inside, hidden parts included. */
  text: string;
  /** innerText, trimmed: only the text that is rendered (hidden descendants left out). */
  visibleText: string;
  ariaLabel: string | null;
  title: string | null;
  role: string | null;
  className: string;
  visible: boolean;
}

interface WaitOptions {
  /** Milliseconds the browser side waits for the element (default 10000). */
  timeout?: number;
}

const bridgeDir = process.env.MPSCOPE_UI_BRIDGE;
let counter = 0;

function request<T>(op: string, args: Record<string, unknown>, timeoutMs: number): Promise<T> {
  if (!bridgeDir || !fs.existsSync(bridgeDir)) {
    return Promise.reject(
      new Error(
        `ui.${op}: no UI bridge here (only \`npm run test:vscode\` has one); call ui.skipUnlessAvailable(this) first`,
      ),
    );
  }
  // Sortable ids: the launcher handles requests in name order. Each test file is its own bundle
  // with its own counter, hence the random part.
  const id = `${Date.now().toString().padStart(15, '0')}-${String(counter++).padStart(6, '0')}-${Math.random().toString(36).slice(2, 8)}`;
  const tmp = path.join(bridgeDir, `.req-${id}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify({ ...args, op }));
  fs.renameSync(tmp, path.join(bridgeDir, `req-${id}.json`));
  const responseFile = path.join(bridgeDir, `res-${id}.json`);
  const deadline = Date.now() + timeoutMs;
  return new Promise<T>((resolve, reject) => {
    const poll = () => {
      if (fs.existsSync(responseFile)) {
        let reply: { ok: boolean; result?: T; error?: string };
        try {
          reply = JSON.parse(fs.readFileSync(responseFile, 'utf8'));
        } catch (err) {
          reject(new Error(`ui.${op}: unreadable reply: ${(err as Error).message}`));
          return;
        }
        fs.rmSync(responseFile, { force: true });
        fs.rmSync(path.join(bridgeDir, `req-${id}.json`), { force: true });
        if (reply.ok) resolve(reply.result as T);
        else reject(new Error(`ui.${op}: ${reply.error}`));
        return;
      }
      if (Date.now() > deadline) {
        reject(new Error(`ui.${op}: no answer from the launcher within ${Math.round(timeoutMs / 1000)}s`));
        return;
      }
      setTimeout(poll, 50);
    };
    poll();
  });
}

/** Time the test side waits: the browser side's own timeout plus a margin. */
const wait = (opts?: WaitOptions) => (opts?.timeout ?? 10000) + 20000;

export const ui = {
  /** True when a browser is attached (code-server launcher), false under Electron. */
  available: Boolean(bridgeDir),

  /** Skips the calling test, saying why, when there is no browser to drive. */
  skipUnlessAvailable(test: Mocha.Context): void {
    if (!ui.available) {
      console.log(`  (skipped "${test.test?.title}": needs the UI bridge of npm run test:vscode)`);
      test.skip();
    }
  },

  /** Saves a PNG of the page (or of the first element matching `selector`); resolves to its path. */
  screenshot(name: string, opts: { selector?: string; fullPage?: boolean } & WaitOptions = {}): Promise<string> {
    return request<string>('screenshot', { name, ...opts }, wait(opts));
  },

  /** Every element matching `selector` right now (empty when none). */
  query(selector: string): Promise<UiElement[]> {
    return request<UiElement[]>('query', { selector }, wait());
  },

  /** Clicks the `index`-th element matching `selector`, waiting for it to be clickable. */
  click(selector: string, opts: { index?: number; button?: 'left' | 'right' | 'middle' } & WaitOptions = {}): Promise<void> {
    return request<void>('click', { selector, ...opts }, wait(opts));
  },

  /** Presses a key chord in the page, e.g. "Escape", "Control+Shift+P". */
  press(key: string): Promise<void> {
    return request<void>('press', { key }, wait());
  },

  /** Types text into whatever has the focus. */
  type(text: string): Promise<void> {
    return request<void>('type', { text }, wait());
  },

  /** Waits until an element matching `selector` reaches `state` (default: visible). */
  waitFor(selector: string, opts: { state?: 'attached' | 'detached' | 'visible' | 'hidden' } & WaitOptions = {}): Promise<void> {
    return request<void>('waitFor', { selector, ...opts }, wait(opts));
  },
};
