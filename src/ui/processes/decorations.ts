// Badges for zombie ("Z") and orphan ("O") rows. Each row has a resourceUri in a scheme of our
// own (mpscope-proc:/<pid>/<start>), and this provider decorates those URIs: the badge sits at
// the row's right edge and the label takes the colour.
import * as vscode from 'vscode';
import type { ProcessNode, ProcessTree } from '../../procs';

export const PROCESS_URI_SCHEME = 'mpscope-proc';

export function processUri(node: { pid: number; record: { startToken: string } }): vscode.Uri {
  return vscode.Uri.from({ scheme: PROCESS_URI_SCHEME, path: `/${node.pid}/${node.record.startToken || '-'}` });
}

/** The badge of a process, or undefined when it needs none. Exported for tests. */
export function decorationOf(node: ProcessNode): vscode.FileDecoration | undefined {
  if (node.zombie) {
    return new vscode.FileDecoration('Z', 'Zombie: exited, not reaped by its parent', new vscode.ThemeColor('list.errorForeground'));
  }
  if (node.orphan) {
    const weak = node.orphan[0].strength === 'weak';
    return new vscode.FileDecoration(
      weak ? 'O?' : 'O',
      weak ? 'Possible orphan' : 'Orphan: its parent exited and another process adopted it',
      new vscode.ThemeColor('list.warningForeground'),
    );
  }
  return undefined;
}

export class ProcessDecorationProvider implements vscode.FileDecorationProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri[]>();
  readonly onDidChangeFileDecorations = this.changed.event;
  /** uri string -> badge text, for the rows of the current tree that have one. */
  private badges = new Map<string, { uri: vscode.Uri; decoration: vscode.FileDecoration }>();

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== PROCESS_URI_SCHEME) return undefined;
    return this.badges.get(uri.toString())?.decoration;
  }

  /** Takes a new tree and tells VS Code which rows' badges appeared, changed or went away. */
  update(tree: ProcessTree): void {
    const next = new Map<string, { uri: vscode.Uri; decoration: vscode.FileDecoration }>();
    for (const node of tree.ordered) {
      const decoration = decorationOf(node);
      if (!decoration) continue;
      const uri = processUri(node);
      next.set(uri.toString(), { uri, decoration });
    }
    const dirty: vscode.Uri[] = [];
    for (const [k, v] of next) {
      const before = this.badges.get(k);
      if (!before || before.decoration.badge !== v.decoration.badge) dirty.push(v.uri);
    }
    for (const [k, v] of this.badges) if (!next.has(k)) dirty.push(v.uri);
    this.badges = next;
    if (dirty.length > 0) this.changed.fire(dirty);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
