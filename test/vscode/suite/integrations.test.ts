// Issue 9 in a real VS Code: the example folder, the Getting Started walkthrough's commands,
// "Attach Python Debugger" without the Python Debugger extension, and following Python programs
// started from the integrated terminal.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { MpscopeApi } from '../../../src/ui/extension';
import { ui } from './util/ui';

const EXTENSION_ID = 'mpscope.mpscope';

interface WalkthroughStep {
  id: string;
  description: string;
  media: { markdown?: string; image?: string };
  completionEvents: string[];
}
interface Manifest {
  contributes: {
    commands: { command: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    walkthroughs: { id: string; steps: WalkthroughStep[] }[];
    configuration: { properties: Record<string, { markdownDescription?: string; description?: string }> };
  };
}

function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === '__pycache__') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p, base));
    else out.push(path.relative(base, p));
  }
  return out.sort();
}

/** `command:<id>` links in Markdown, decoded. */
function commandLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\(command:([A-Za-z0-9_.-]+)/g)].map((m) => m[1]);
}

async function waitUntil<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('integrations: VS Code integrations (issue 9)', function () {
  this.timeout(120000);
  let api: MpscopeApi;
  let manifest: Manifest;
  let extensionPath: string;
  let scratch: string;

  before(async () => {
    const extension = vscode.extensions.getExtension<MpscopeApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not installed`);
    api = await extension.activate();
    manifest = extension.packageJSON as Manifest;
    extensionPath = extension.extensionPath;
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-integrations-'));
  });

  after(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  describe('Open Examples', () => {
    it('copies every example (buggy and fixed) into a new folder, and leaves it unopened when asked', async () => {
      const target = path.join(scratch, 'examples-copy');
      const result = await vscode.commands.executeCommand<{ folder: string; files: string[]; opened: boolean }>(
        'mpscope.openExamples',
        { target, open: false },
      );
      assert.ok(result, 'the command returned nothing');
      assert.strictEqual(result.folder, target);
      assert.strictEqual(result.opened, false);
      const shipped = listFiles(path.join(extensionPath, 'media', 'examples'));
      assert.deepStrictEqual(listFiles(target), shipped);
      assert.ok(shipped.includes('deadlock_lock_order.py') && shipped.includes(path.join('fixed', 'deadlock_lock_order.py')));
      for (const f of shipped) {
        assert.ok(
          fs.readFileSync(path.join(target, f)).equals(fs.readFileSync(path.join(extensionPath, 'media', 'examples', f))),
          `${f} differs from the shipped copy`,
        );
      }
    });

    it('refuses to copy over an existing folder', async () => {
      const target = path.join(scratch, 'exists');
      fs.mkdirSync(target);
      fs.writeFileSync(path.join(target, 'mine.py'), 'print("mine")\n');
      const result = await vscode.commands.executeCommand('mpscope.openExamples', { target, open: false });
      assert.strictEqual(result, undefined, 'the command reported success over an existing folder');
      assert.deepStrictEqual(fs.readdirSync(target), ['mine.py']);
    });
  });

  describe('Attach Python Debugger', () => {
    it('without the Python Debugger extension: starts nothing and explains what to install', async () => {
      // The offline VS Code has no marketplace, so ms-python.debugpy cannot be installed here.
      assert.strictEqual(vscode.extensions.getExtension('ms-python.debugpy'), undefined, 'this test needs debugpy absent');
      const outcome = await vscode.commands.executeCommand<{ started: boolean; reason: string }>('mpscope.attachDebugger', process.pid);
      assert.deepStrictEqual(outcome, { started: false, reason: 'debugpy-missing' });
      assert.strictEqual(vscode.debug.activeDebugSession, undefined);
      if (ui.available) {
        await ui.waitFor('.notifications-toasts :text("Python Debugger extension (ms-python.debugpy)")');
        await ui.screenshot('integrations-attach-without-debugpy');
        await vscode.commands.executeCommand('notifications.clearAll');
      }
    });

    it('the menu entry on a process row is shown only when the Python Debugger extension is there', () => {
      const entries = (manifest.contributes.menus['view/item/context'] ?? []).filter((m) => m.command === 'mpscope.attachDebugger');
      assert.strictEqual(entries.length, 1, 'no Attach Python Debugger entry on process rows');
      assert.match(entries[0].when ?? '', /view == mpscope\.processes/);
      assert.match(entries[0].when ?? '', /\bmpscope\.debugpyAvailable\b/);
    });

    it('hands vscode.debug.startDebugging a debugpy attach-by-pid configuration named after the process', async () => {
      // How the present-extension path is checked without the Python Debugger extension: this
      // test registers a DebugConfigurationProvider for the type `debugpy` (test only). VS Code
      // calls it with the configuration our code passed to vscode.debug.startDebugging, before
      // it looks for the debugger itself; the provider records it and returns undefined, which
      // cancels the session. This checks mpscope's part (the configuration and the call), not
      // debugpy. The install check in front of it is skipped through the test API.
      const seen: vscode.DebugConfiguration[] = [];
      const provider = vscode.debug.registerDebugConfigurationProvider('debugpy', {
        resolveDebugConfiguration(_folder, config) {
          seen.push({ ...config });
          return undefined;
        },
      });
      try {
        const outcome = await api.integrations.startAttach({ pid: process.pid + 1000000, mpName: 'SpawnPoolWorker-2', isPython: true });
        assert.strictEqual(outcome.started, false);
        assert.strictEqual(seen.length, 1, 'startDebugging was not called with a debugpy configuration');
        assert.deepStrictEqual(seen[0], {
          type: 'debugpy',
          request: 'attach',
          name: 'SpawnPoolWorker-2',
          processId: process.pid + 1000000,
          justMyCode: false,
        });
        await api.integrations.startAttach({ pid: process.pid + 1000001 });
        assert.strictEqual(seen[1]?.name, `Python ${process.pid + 1000001}`);
      } finally {
        provider.dispose();
      }
    });

    it('refuses a zombie, with the reason, without calling the debugger', async () => {
      const outcome = await api.integrations.startAttach({ pid: 4242, isZombie: true });
      assert.strictEqual(outcome.started, false);
      assert.ok(!outcome.started && outcome.reason === 'refused' && /zombie/.test(outcome.message ?? ''), JSON.stringify(outcome));
    });
  });

  describe('Getting Started walkthrough', () => {
    let steps: WalkthroughStep[];
    before(() => {
      const walkthrough = manifest.contributes.walkthroughs.find((w) => w.id === 'gettingStarted');
      assert.ok(walkthrough, 'no gettingStarted walkthrough');
      steps = walkthrough.steps;
    });

    it('has a Markdown page and a completion event for every step, in the order of the story', () => {
      assert.deepStrictEqual(
        steps.map((s) => s.id),
        ['openExamples', 'runDeadlock', 'seeAnnotation', 'openReport', 'insertSnippet', 'fixBug', 'runClean'],
      );
      for (const s of steps) {
        assert.ok(s.media.markdown, `${s.id} has no Markdown page`);
        assert.ok(fs.existsSync(path.join(extensionPath, s.media.markdown)), `${s.media.markdown} is missing`);
        assert.ok(s.completionEvents.length > 0, `${s.id} has no completion event`);
      }
    });

    it('names only commands that exist, in its steps, its pages and its completion events', async () => {
      const registered = new Set(await vscode.commands.getCommands(true));
      const missing: string[] = [];
      for (const s of steps) {
        const page = fs.readFileSync(path.join(extensionPath, s.media.markdown!), 'utf8');
        const ids = [
          ...commandLinks(s.description),
          ...commandLinks(page),
          ...s.completionEvents.filter((e) => e.startsWith('onCommand:')).map((e) => e.slice('onCommand:'.length)),
        ];
        for (const id of ids) if (!registered.has(id)) missing.push(`${s.id}: ${id}`);
      }
      assert.deepStrictEqual(missing, [], 'walkthrough names commands that are not registered');
    });

    it('opens from "mpscope: Get Started"', async () => {
      await vscode.commands.executeCommand('mpscope.getStarted');
      if (ui.available) {
        await ui.waitFor(':text("Get Started with mpscope")', { timeout: 20000 });
        await ui.screenshot('integrations-walkthrough');
      }
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    it('"Compare with the Fixed Version" opens a diff of an example and its fixed twin', async () => {
      const target = path.join(scratch, 'examples-diff');
      await vscode.commands.executeCommand('mpscope.openExamples', { target, open: false });
      const file = vscode.Uri.file(path.join(target, 'deadlock_lock_order.py'));
      const r = await vscode.commands.executeCommand<{ left: string; right: string }>('mpscope.compareWithFixedExample', file);
      assert.deepStrictEqual(r, { left: file.fsPath, right: path.join(target, 'fixed', 'deadlock_lock_order.py') });
      const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
      assert.ok(tab?.input instanceof vscode.TabInputTextDiff, `the active tab is ${tab?.label}`);
      assert.strictEqual(tab.input.original.fsPath, file.fsPath);
      assert.strictEqual(tab.input.modified.fsPath, path.join(target, 'fixed', 'deadlock_lock_order.py'));
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });
  });
});
