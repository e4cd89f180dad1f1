// "mpscope: Insert IPC Snippet...": the snippet library (snippets/*.json, also contributed to
// completion in package.json) in a categorised picker, inserted as real snippets.
import * as vscode from 'vscode';
import { loadCatalog, type SnippetCatalog } from '../../snippets/catalog';
import type { MpscopeContext } from '../context';
import { insertSnippetEntry, type InsertResult } from './insert';
import { buildPickItems, pickSnippet, type SnippetPickItem } from './picker';
import { PREVIEW_SCHEME, SnippetPreview } from './preview';

export const INSERT_SNIPPET = 'mpscope.insertSnippet';

/** What the extension tests reach through MpscopeApi.snippets. */
export interface SnippetsApi {
  /** The library as loaded from the extension's snippets folder. */
  catalog(): SnippetCatalog;
  /** The items the picker shows, separators included. */
  pickItems(): SnippetPickItem[];
  /** The open picker, if any (tests drive it like a user would). */
  readonly picker: vscode.QuickPick<SnippetPickItem> | undefined;
  readonly preview: SnippetPreview;
}

let api: SnippetsApi | undefined;

export function snippetsApi(): SnippetsApi | undefined {
  return api;
}

/** The editor the user meant: the active one, else a visible one (the command may come from a
 * walkthrough page), else a new untitled Python file. */
async function targetEditor(preferred: vscode.TextEditor | undefined): Promise<vscode.TextEditor> {
  const usable = (e: vscode.TextEditor) => e.document.uri.scheme !== 'output' && e.document.uri.scheme !== PREVIEW_SCHEME;
  const candidate = [preferred, ...vscode.window.visibleTextEditors].find(
    (e): e is vscode.TextEditor => !!e && !e.document.isClosed && usable(e),
  );
  if (candidate) {
    if (vscode.window.activeTextEditor === candidate) return candidate;
    // Focus it, so Tab moves between the snippet's tab stops. Showing it again keeps its selections.
    return vscode.window.showTextDocument(candidate.document, { viewColumn: candidate.viewColumn, preserveFocus: false });
  }
  const doc = await vscode.workspace.openTextDocument({ language: 'python', content: '' });
  return vscode.window.showTextDocument(doc);
}

export function registerSnippets(ctx: MpscopeContext): void {
  let catalog: SnippetCatalog | undefined;
  // Read on first use, not at activation: activation happens whenever a Python file opens.
  const load = (): SnippetCatalog => (catalog ??= loadCatalog(ctx.asAbsolutePath('snippets')));
  const preview = ctx.track(new SnippetPreview());
  let picker: vscode.QuickPick<SnippetPickItem> | undefined;

  /** With a prefix (from a test, a keybinding's args or a link) it inserts that snippet without asking. */
  ctx.registerCommand(INSERT_SNIPPET, async (prefix?: unknown): Promise<InsertResult | undefined> => {
    const lib = load();
    const before = vscode.window.activeTextEditor;
    let entry = typeof prefix === 'string' ? lib.snippets.find((s) => s.prefix === prefix) : undefined;
    if (typeof prefix === 'string' && !entry) throw new Error(`there is no snippet with the prefix "${prefix}"`);
    if (!entry) {
      try {
        entry = await pickSnippet(lib, preview, { onPicker: (p) => (picker = p) });
      } finally {
        await preview.close();
      }
      if (!entry) return undefined;
    }
    const editor = await targetEditor(before);
    ctx.log.info(`inserting snippet ${entry.prefix} into ${editor.document.uri.toString()}`);
    return insertSnippetEntry(editor, entry);
  });

  api = {
    catalog: load,
    pickItems: () => buildPickItems(load()),
    get picker() {
      return picker;
    },
    preview,
  };
}
