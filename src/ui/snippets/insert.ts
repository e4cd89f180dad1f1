// Inserts one snippet at the cursor as a real snippet (tab stops active) and deals with the
// imports a fragment relies on: in a Python file the missing ones are added at the top, in any
// other file the user is told which ones the code expects.
import * as vscode from 'vscode';
import type { SnippetEntry } from '../../snippets/catalog';
import { missingImports, planImportInsertion } from '../../snippets/imports';
import { escapeSnippetText } from '../../snippets/syntax';

export interface InsertResult {
  prefix: string;
  /** Import lines added to the file. */
  addedImports: string[];
  /** Import lines the code needs but that were not added (not a Python file). */
  expectedImports: string[];
  /** What the user was told, or undefined when there was nothing to say. */
  message?: string;
}

export async function insertSnippetEntry(editor: vscode.TextEditor, entry: SnippetEntry): Promise<InsertResult> {
  const doc = editor.document;
  const needed = entry.form === 'fragment' ? entry.imports : [];
  const isPython = doc.languageId === 'python';
  let added: string[] = [];
  let expected: string[] = [];
  let body = entry.body;
  let editedBefore = false;

  if (needed.length > 0 && !isPython) {
    // Any text can take the snippet, but nothing here can know where imports would go.
    expected = needed;
  } else if (needed.length > 0) {
    const text = doc.getText();
    const missing = missingImports(text, needed);
    const plan = planImportInsertion(text, missing);
    if (plan) {
      added = missing;
      const firstCursorLine = Math.min(...editor.selections.map((s) => s.start.line));
      if (plan.line < firstCursorLine) {
        // Imports above the cursor: one edit for them, then the snippet, as one undo step.
        editedBefore = await editor.edit((b) => b.insert(new vscode.Position(plan.line, 0), plan.text), {
          undoStopBefore: true,
          undoStopAfter: false,
        });
        if (!editedBefore) throw new Error('the editor refused the import lines');
      } else {
        // The cursor is in (or above) the import block, e.g. an empty file: the imports go
        // first in the inserted text itself.
        body = `${escapeSnippetText(missing.join('\n'))}\n\n\n${body}`;
      }
    }
  }

  const ok = await editor.insertSnippet(new vscode.SnippetString(body), undefined, {
    undoStopBefore: !editedBefore,
    undoStopAfter: true,
  });
  if (!ok) throw new Error(`could not insert ${entry.prefix} here (is the editor read-only?)`);

  const notes: string[] = [];
  if (added.length > 0) notes.push(`added ${added.join(', ')}`);
  if (expected.length > 0) notes.push(`it expects: ${expected.join(', ')}`);
  if (entry.platform === 'unix' && process.platform === 'win32') notes.push('it is Unix only and will not run on Windows');
  const message = notes.length > 0 ? `Inserted ${entry.prefix}; ${notes.join('; ')}` : undefined;
  if (message) void vscode.window.showInformationMessage(message);
  return { prefix: entry.prefix, addedImports: added, expectedImports: expected, message };
}
