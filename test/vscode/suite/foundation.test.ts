// The extension as VS Code sees it: it activates, registers what its manifest promises, and
// shows its activity-bar container with the Processes and Findings views.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { MpscopeApi } from '../../../src/ui/extension';
import { ui } from './util/ui';

const EXTENSION_ID = 'mpscope.mpscope';

interface Manifest {
  contributes: {
    commands: { command: string; category?: string }[];
    views: Record<string, { id: string; name: string }[]>;
    viewsContainers: { activitybar: { id: string }[] };
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

  it('shows the mpscope sidebar with both views and their welcome text (screenshot)', async function () {
    ui.skipUnlessAvailable(this);
    await vscode.commands.executeCommand('workbench.view.extension.mpscope');
    await ui.waitFor('.part.sidebar .pane-header:has-text("Findings")', { timeout: 20000 });
    const title = await ui.query('.part.sidebar .composite.title h2');
    assert.ok(
      title.some((t) => /mpscope/i.test(t.text)),
      `sidebar title is ${JSON.stringify(title.map((t) => t.text))}`,
    );
    const headers = (await ui.query('.part.sidebar .pane-header')).filter((h) => h.visible).map((h) => h.text);
    assert.ok(headers.some((h) => /Processes/i.test(h)), `view headers: ${JSON.stringify(headers)}`);
    assert.ok(headers.some((h) => /Findings/i.test(h)), `view headers: ${JSON.stringify(headers)}`);
    // The Processes view is empty here, so its welcome message and button are what a user sees.
    await ui.waitFor('.part.sidebar .welcome-view-content:has-text("No Python processes to show yet")');
    const file = await ui.screenshot('foundation-mpscope-container');
    assert.ok(file.endsWith('foundation-mpscope-container.png'));
  });

  it('runs "mpscope: Show Log" without an error', async () => {
    await vscode.commands.executeCommand('mpscope.showLog');
  });
});
