// The "Insert IPC Snippet..." quick pick: snippets grouped by category, each with its title,
// a Unix-only mark where it applies, and its first code lines; the item under the cursor is
// shown in full in a read-only preview beside the editor.
import * as vscode from 'vscode';
import type { SnippetCatalog, SnippetEntry } from '../../snippets/catalog';
import { platformNote, previewDetail, shortTitle } from '../../snippets/preview';
import type { SnippetPreview } from './preview';

export interface SnippetPickItem extends vscode.QuickPickItem {
  entry?: SnippetEntry;
}

export function buildPickItems(catalog: SnippetCatalog): SnippetPickItem[] {
  const items: SnippetPickItem[] = [];
  for (const category of catalog.categories) {
    const entries = catalog.snippets.filter((s) => s.category.id === category.id);
    if (entries.length === 0) continue;
    items.push({ label: category.label, kind: vscode.QuickPickItemKind.Separator });
    for (const entry of entries) {
      const note = platformNote(entry);
      items.push({
        label: entry.prefix,
        iconPath: new vscode.ThemeIcon(entry.form === 'program' ? 'file-code' : 'symbol-snippet'),
        description: note ? `$(warning) ${note} · ${shortTitle(entry)}` : shortTitle(entry),
        detail: previewDetail(entry),
        entry,
      });
    }
  }
  return items;
}

export interface PickerHooks {
  /** Called with the quick pick once it is shown, and with undefined when it is gone. */
  onPicker?(picker: vscode.QuickPick<SnippetPickItem> | undefined): void;
}

/** Shows the picker; resolves to the chosen snippet, or undefined if the user cancelled. */
export function pickSnippet(
  catalog: SnippetCatalog,
  preview: SnippetPreview | undefined,
  hooks: PickerHooks = {},
): Promise<SnippetEntry | undefined> {
  return new Promise((resolve) => {
    const picker = vscode.window.createQuickPick<SnippetPickItem>();
    picker.title = 'mpscope: Insert IPC Snippet';
    picker.placeholder = 'Filter by prefix or title (mp-, cf-, ipc-, log-, sub-); ↑↓ to preview';
    picker.matchOnDescription = true;
    picker.items = buildPickItems(catalog);
    let chosen: SnippetEntry | undefined;
    let previewTimer: NodeJS.Timeout | undefined;
    const disposables: vscode.Disposable[] = [
      picker.onDidChangeActive((active) => {
        const entry = active[0]?.entry;
        if (!entry || !preview) return;
        // Debounced: arrowing through the list shouldn't open a document per keystroke.
        if (previewTimer) clearTimeout(previewTimer);
        previewTimer = setTimeout(() => void preview.show(entry), 150);
      }),
      picker.onDidAccept(() => {
        chosen = picker.selectedItems[0]?.entry ?? picker.activeItems[0]?.entry;
        if (chosen) picker.hide();
      }),
      picker.onDidHide(() => {
        if (previewTimer) clearTimeout(previewTimer);
        for (const d of disposables) d.dispose();
        picker.dispose();
        hooks.onPicker?.(undefined);
        resolve(chosen);
      }),
    ];
    picker.show();
    hooks.onPicker?.(picker);
  });
}
