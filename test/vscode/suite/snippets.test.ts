// The snippet library in a real VS Code: "mpscope: Insert IPC Snippet..." inserts real snippets
// (tab stops live, mirrors follow), adds or names the imports a fragment needs, shows a
// categorised picker with previews, and the snippets come up in ordinary completion.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { MpscopeApi } from '../../../src/ui/extension';
import type { SnippetsApi } from '../../../src/ui/snippets';
import type { InsertResult } from '../../../src/ui/snippets/insert';
import { expandSnippet } from '../../../src/snippets/syntax';
import { ui } from './util/ui';

const EXTENSION_ID = 'mpscope.mpscope';
const COMMAND = 'mpscope.insertSnippet';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

let documents = 0;

/** A new untitled editor with a name of its own: a reused "Untitled-N" can hand back the
 * not-yet-disposed document of an earlier test, old text and all. */
async function openEditor(content: string, extension = 'py'): Promise<vscode.TextEditor> {
  const uri = vscode.Uri.from({ scheme: 'untitled', path: `/snippet-test-${Date.now()}-${documents++}.${extension}` });
  const doc = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(doc);
  if (content) await editor.edit((b) => b.insert(new vscode.Position(0, 0), content));
  // The command inserts into the active editor: don't race the previous test's closing editors.
  await waitFor('the new editor to be active', () => vscode.window.activeTextEditor?.document === doc);
  assert.strictEqual(doc.languageId, extension === 'py' ? 'python' : 'plaintext');
  return editor;
}

/** Closes every editor; untitled ones are reverted first, so no save prompt can block the suite. */
async function closeEverything(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  for (const doc of vscode.workspace.textDocuments.filter((d) => d.isUntitled && d.isDirty)) {
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

function selectedText(editor: vscode.TextEditor): string {
  return editor.document.getText(editor.selection);
}

describe('snippets: Insert IPC Snippet in VS Code', () => {
  let snippets: SnippetsApi;

  before(async () => {
    const extension = vscode.extensions.getExtension<MpscopeApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not installed`);
    const api = await extension.activate();
    assert.ok(api.snippets, 'the snippets feature did not start');
    snippets = api.snippets;
  });

  afterEach(closeEverything);

  it('registers the command and loads the whole library', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes(COMMAND), `${COMMAND} is not registered`);
    assert.ok(snippets.catalog().snippets.length >= 50);
  });

  it('inserts a program as a real snippet: the text of its defaults, tab stops live, mirrors follow', async () => {
    const editor = await openEditor('');
    const entry = snippets.catalog().snippets.find((s) => s.prefix === 'mp-pool-map-program')!;
    const result = (await vscode.commands.executeCommand(COMMAND, entry.prefix)) as InsertResult;
    assert.strictEqual(result.prefix, entry.prefix);
    assert.deepStrictEqual(result.addedImports, []);
    assert.strictEqual(editor.document.getText(), expandSnippet(entry.body));
    // The first tab stop is selected with its default...
    assert.strictEqual(selectedText(editor), 'square');
    // ...typing replaces it and every mirror of it...
    await vscode.commands.executeCommand('type', { text: 'cube' });
    await waitFor('the mirror to follow', () => editor.document.getText().includes('pool.map(cube, items)'));
    assert.match(editor.document.getText(), /^def cube\(x\):$/m);
    // ...and Tab moves on to the next one.
    await vscode.commands.executeCommand('jumpToNextSnippetPlaceholder');
    assert.strictEqual(selectedText(editor), 'x');
  });

  it('adds the imports a fragment needs to a Python file, below the ones already there', async () => {
    const editor = await openEditor('"""My module."""\nimport os\nimport queue\n\n\ndef main():\n    pass\n');
    const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(end, end);
    const entry = snippets.catalog().snippets.find((s) => s.prefix === 'mp-queue-collect-results')!;
    assert.deepStrictEqual(entry.imports, ['import queue', 'import time']);
    const result = (await vscode.commands.executeCommand(COMMAND, entry.prefix)) as InsertResult;
    assert.deepStrictEqual(result.addedImports, ['import time']);
    assert.match(result.message ?? '', /^Inserted mp-queue-collect-results; added import time$/);
    const text = editor.document.getText();
    assert.ok(text.startsWith('"""My module."""\nimport os\nimport queue\nimport time\n\n\ndef main():\n    pass\n'), text);
    assert.ok(text.includes(expandSnippet(entry.body)), text);
    // Still in snippet mode after the import edit: the function name is selected.
    assert.strictEqual(selectedText(editor), 'collect_then_join');
    // One undo removes the snippet and the import together.
    await vscode.commands.executeCommand('undo');
    assert.strictEqual(editor.document.getText(), '"""My module."""\nimport os\nimport queue\n\n\ndef main():\n    pass\n');
  });

  it('puts the imports first in an empty Python file', async () => {
    const editor = await openEditor('');
    const entry = snippets.catalog().snippets.find((s) => s.prefix === 'mp-lock-ordering')!;
    const result = (await vscode.commands.executeCommand(COMMAND, entry.prefix)) as InsertResult;
    assert.deepStrictEqual(result.addedImports, ['import contextlib']);
    assert.strictEqual(editor.document.getText(), `import contextlib\n\n\n${expandSnippet(entry.body)}`);
  });

  it('inserts into a non-Python file too, and says which imports the code expects', async () => {
    const editor = await openEditor('notes\n', 'txt');
    editor.selection = new vscode.Selection(1, 0, 1, 0);
    const entry = snippets.catalog().snippets.find((s) => s.prefix === 'mp-shared-memory')!;
    const result = (await vscode.commands.executeCommand(COMMAND, entry.prefix)) as InsertResult;
    assert.deepStrictEqual(result.addedImports, []);
    assert.deepStrictEqual(result.expectedImports, ['import contextlib', 'from multiprocessing import shared_memory']);
    assert.strictEqual(
      result.message,
      'Inserted mp-shared-memory; it expects: import contextlib, from multiprocessing import shared_memory',
    );
    assert.strictEqual(editor.document.getText(), `notes\n${expandSnippet(entry.body)}`);
  });

  it('rejects an unknown prefix with one clear message and changes nothing', async () => {
    const editor = await openEditor('x = 1\n');
    const result = await vscode.commands.executeCommand(COMMAND, 'mp-no-such-snippet');
    assert.strictEqual(result, undefined);
    assert.strictEqual(editor.document.getText(), 'x = 1\n');
  });

  it('groups the picker by category, marks Unix-only snippets and previews each', () => {
    const items = snippets.pickItems();
    const separators = items.filter((i) => i.kind === vscode.QuickPickItemKind.Separator).map((i) => i.label);
    assert.deepStrictEqual(separators, snippets.catalog().categories.map((c) => c.label));
    const fork = items.find((i) => i.label === 'mp-os-fork-waitpid-program')!;
    assert.strictEqual(fork.description, '$(warning) Unix only · Raw os.fork with os.waitpid');
    const map = items.find((i) => i.label === 'mp-pool-map-program')!;
    assert.doesNotMatch(map.description ?? '', /Unix/);
    assert.match(map.detail ?? '', /^def square\(x\):/);
  });

  it('the picker previews the item under the cursor beside the editor and inserts the chosen one', async () => {
    const editor = await openEditor('');
    const pending = vscode.commands.executeCommand(COMMAND) as Thenable<InsertResult | undefined>;
    const picker = await waitFor('the picker', () => snippets.picker);
    // Filter like a user typing, then move onto the item.
    picker.value = 'mp-lock-ordering-program';
    const item = await waitFor('the filtered item', () => picker.items.find((i) => i.label === 'mp-lock-ordering-program'));
    picker.activeItems = [item];
    await waitFor('the preview', () => snippets.preview.shown === 'mp-lock-ordering-program');
    const previewTab = await waitFor('the preview tab', () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .find((t) => t.input instanceof vscode.TabInputText && t.input.uri.path === '/mp-lock-ordering-program.py'),
    );
    assert.strictEqual((previewTab.input as vscode.TabInputText).uri.scheme, 'mpscope-snippet');
    assert.notStrictEqual(previewTab.group, vscode.window.tabGroups.all.find((g) => g.tabs.some((t) => t.isActive && t.input instanceof vscode.TabInputText && t.input.uri.toString() === editor.document.uri.toString())), 'the preview replaced the editor');
    const previewDoc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === (previewTab.input as vscode.TabInputText).uri.toString());
    assert.match(previewDoc?.getText() ?? '', /^# mp-lock-ordering-program: /);
    assert.strictEqual(snippets.picker, picker, 'the preview closed the picker');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    const result = await pending;
    assert.strictEqual(result?.prefix, 'mp-lock-ordering-program');
    const entry = snippets.catalog().snippets.find((s) => s.prefix === 'mp-lock-ordering-program')!;
    assert.strictEqual(editor.document.getText(), expandSnippet(entry.body));
    const left = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.scheme === 'mpscope-snippet');
    assert.deepStrictEqual(left, [], 'the preview tab stayed open');
  });

  it('cancelling the picker inserts nothing', async () => {
    const editor = await openEditor('x = 1\n');
    const pending = vscode.commands.executeCommand(COMMAND) as Thenable<InsertResult | undefined>;
    await waitFor('the picker', () => snippets.picker);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.strictEqual(await pending, undefined);
    assert.strictEqual(editor.document.getText(), 'x = 1\n');
  });

  it('offers the snippets in ordinary completion in a Python file', async () => {
    const editor = await openEditor('mp-pool');
    const position = editor.document.lineAt(0).range.end;
    // Snippet files load asynchronously after activation: ask until they are there.
    let labels: string[] = [];
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
      const completions = (await vscode.commands.executeCommand(
        'vscode.executeCompletionItemProvider',
        editor.document.uri,
        position,
      )) as vscode.CompletionList;
      labels = completions.items
        .filter((i) => i.kind === vscode.CompletionItemKind.Snippet)
        .map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
      if (labels.includes('mp-pool-map-program')) break;
      await sleep(200);
    }
    for (const prefix of ['mp-pool-map-program', 'mp-pool-map', 'mp-pool-starmap-program']) {
      assert.ok(labels.includes(prefix), `${prefix} not offered; got ${labels.slice(0, 20).join(', ')}`);
    }
  });

  it('shows the picker in the workbench, grouped under category headings', async function () {
    ui.skipUnlessAvailable(this);
    await openEditor('');
    const pending = vscode.commands.executeCommand(COMMAND);
    await waitFor('the picker', () => snippets.picker);
    await ui.waitFor('.quick-input-widget .quick-input-list');
    const rows = await ui.query('.quick-input-widget .monaco-list-row');
    const text = rows.map((r) => r.text).join('\n');
    assert.match(text, /Process lifecycle/);
    assert.match(text, /mp-main-guard-program/);
    await ui.screenshot('snippets-picker');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.strictEqual(await pending, undefined);
  });
});
