// The extension as VS Code sees it: it activates, registers what its manifest promises, and
// shows its activity-bar container with the Processes and Findings views.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { MpscopeApi } from '../../../src/ui/extension';
import { ui, type UiElement } from './util/ui';

const EXTENSION_ID = 'mpscope.mpscope';

interface Manifest {
  contributes: {
    commands: { command: string; category?: string }[];
    views: Record<string, { id: string; name: string }[]>;
    viewsContainers: { activitybar: { id: string }[] };
    viewsWelcome?: { view: string; contents: string }[];
  };
}

describe('foundation: the extension in VS Code', () => {
  let extension: vscode.Extension<MpscopeApi>;
  let api: MpscopeApi;
  let manifest: Manifest;

  before(async () => {
    const found = vscode.extensions.getExtension<MpscopeApi>(EXTENSION_ID);
    assert.ok(found, `extension ${EXTENSION_ID} is not installed in this VS Code`);
    extension = found;
    manifest = extension.packageJSON as Manifest;
    api = await extension.activate();
  });

  it('activates and returns its API', () => {
    assert.strictEqual(extension.isActive, true);
    assert.ok(api.context, 'activate() returned no MpscopeApi.context');
    assert.ok(api.context.log, 'the mpscope log channel was not created');
  });

  it('registers every command its package.json contributes, in the mpscope category', async () => {
    const contributed = manifest.contributes.commands;
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.map((c) => c.command).filter((id) => !registered.has(id));
    assert.deepStrictEqual(missing, [], `commands in package.json with no handler: ${missing.join(', ')}`);
    for (const c of contributed) assert.strictEqual(c.category, 'mpscope', `${c.command} is not in the mpscope category`);
  });

  it('registers the mpscope container with the Processes and Findings views', async () => {
    assert.ok(manifest.contributes.viewsContainers.activitybar.some((c) => c.id === 'mpscope'));
    const views = manifest.contributes.views.mpscope.map((v) => v.id);
    assert.ok(views.includes('mpscope.processes') && views.includes('mpscope.findings'), `views: ${views}`);
    // VS Code registers `<view>.focus` and `workbench.view.extension.<container>` only for views
    // and containers it actually loaded from the manifest.
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const id of ['workbench.view.extension.mpscope', 'mpscope.processes.focus', 'mpscope.findings.focus']) {
      assert.ok(registered.has(id), `${id} is not registered`);
    }
    await vscode.commands.executeCommand('workbench.view.extension.mpscope');
    await vscode.commands.executeCommand('mpscope.processes.focus');
  });

  it('shows the mpscope sidebar with both views, each with content or its welcome text (screenshot)', async function () {
    ui.skipUnlessAvailable(this);
    await vscode.commands.executeCommand('workbench.view.extension.mpscope');
    await ui.waitFor('.part.sidebar .pane-header:has-text("Findings")', { timeout: 20000 });
    const title = await ui.query('.part.sidebar .composite.title h2');
    assert.ok(
      title.some((t) => /mpscope/i.test(t.text)),
      `sidebar title is ${JSON.stringify(title.map((t) => t.text))}`,
    );
    for (const view of manifest.contributes.views.mpscope) {
      const pane = `.part.sidebar .pane:has(.pane-header:has-text("${view.name}"))`;
      const header = (await ui.query(`${pane} .pane-header`)).filter((h) => h.visible);
      assert.strictEqual(header.length, 1, `no visible "${view.name}" view header`);
      // Each view shows something: rows, a message, or one of its welcome texts from package.json
      // (which one depends on the feature's state, so any of them will do).
      // A view may still be loading (a progress bar, no text yet): wait for its first content.
      const body = `${pane} .pane-body`;
      await ui.waitFor(body, { timeout: 20000 });
      let shown: UiElement[] = [];
      for (const deadline = Date.now() + 20000; shown.length === 0 && Date.now() < deadline; ) {
        shown = (await ui.query(body)).filter((b) => b.visible && b.visibleText.length > 0);
        if (shown.length === 0) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      if (shown.length === 0) await ui.screenshot('foundation-mpscope-container-failed');
      assert.strictEqual(shown.length, 1, `the "${view.name}" view shows nothing after 20 s`);
      const welcomes = (manifest.contributes.viewsWelcome ?? [])
        .filter((w) => w.view === view.id)
        .map((w) => w.contents.split('\n')[0].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'));
      const welcome = (await ui.query(`${pane} .welcome-view-content`)).filter((w) => w.visible);
      for (const w of welcome) {
        assert.ok(
          welcomes.some((text) => w.text.includes(text)),
          `"${view.name}" shows a welcome text that is not in package.json: ${JSON.stringify(w.text)}`,
        );
      }
    }
    const file = await ui.screenshot('foundation-mpscope-container');
    assert.ok(file.endsWith('foundation-mpscope-container.png'));
  });

  it('runs "mpscope: Show Log" without an error', async () => {
    await vscode.commands.executeCommand('mpscope.showLog');
  });
});
