// A read-only preview of a snippet's full expansion, in a virtual document beside the editor,
// while the picker has that snippet under the cursor. Nothing is written to disk.
import * as vscode from 'vscode';
import type { SnippetEntry } from '../../snippets/catalog';
import { previewDocument } from '../../snippets/preview';

export const PREVIEW_SCHEME = 'mpscope-snippet';

export class SnippetPreview implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly registration: vscode.Disposable;
  /** Bumped by close(), so a preview still opening when the picker closes is closed too. */
  private generation = 0;
  /** Bumped by show(), so a slow earlier show never overrides a later one. */
  private latest = 0;
  /** The prefix shown last, for tests. */
  shown: string | undefined;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.path) ?? '# This snippet preview is no longer available.\n';
  }

  static uriFor(entry: SnippetEntry): vscode.Uri {
    // The .py ending gives the preview Python highlighting.
    return vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${entry.prefix}.py` });
  }

  async show(entry: SnippetEntry): Promise<void> {
    const generation = this.generation;
    const ticket = ++this.latest;
    const uri = SnippetPreview.uriFor(entry);
    this.texts.set(uri.path, previewDocument(entry));
    try {
      const doc = await vscode.workspace.openTextDocument(uri);
      if (generation !== this.generation || ticket !== this.latest) return;
      await vscode.window.showTextDocument(doc, {
        viewColumn: vscode.ViewColumn.Beside,
        preserveFocus: true, // the picker keeps the keyboard
        preview: true, // one tab, replaced as the selection moves
      });
      if (generation !== this.generation) await this.close();
      else if (ticket === this.latest) this.shown = entry.prefix;
    } catch {
      // A preview is a nicety: failing to show one must not disturb picking.
    }
  }

  /** Closes every preview tab. */
  async close(): Promise<void> {
    this.generation += 1;
    this.shown = undefined;
    const tabs = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.scheme === PREVIEW_SCHEME);
    if (tabs.length > 0) await vscode.window.tabGroups.close(tabs, true);
  }

  dispose(): void {
    this.registration.dispose();
  }
}
