// Badges for zombie ("Z") and orphan ("O") rows. Each row has a resourceUri in a scheme of our
// own, mpscope-proc:/<pid>/<start>?<flag>, and this provider decorates those URIs: the badge
// sits at the row's right edge and the label takes the colour. The flag is part of the URI, so
// a process that turns into a zombie gets a new URI and VS Code asks for its badge by itself:
// no change events, which would make VS Code re-render rows while the tree refreshes.
import * as vscode from 'vscode';
import type { ProcessNode } from '../../procs';

export const PROCESS_URI_SCHEME = 'mpscope-proc';

type Flag = 'zombie' | 'orphan' | 'orphan-weak' | '';

function flagOf(node: Pick<ProcessNode, 'zombie' | 'orphan'>): Flag {
  if (node.zombie) return 'zombie';
  if (node.orphan) return node.orphan[0].strength === 'weak' ? 'orphan-weak' : 'orphan';
  return '';
}

export function processUri(node: Pick<ProcessNode, 'pid' | 'zombie' | 'orphan'> & { record: { startToken: string } }): vscode.Uri {
  return vscode.Uri.from({
    scheme: PROCESS_URI_SCHEME,
    path: `/${node.pid}/${node.record.startToken || '-'}`,
    query: flagOf(node),
  });
}

const DECORATIONS: Record<Exclude<Flag, ''>, () => vscode.FileDecoration> = {
  zombie: () =>
    new vscode.FileDecoration('Z', 'Zombie: exited, not reaped by its parent', new vscode.ThemeColor('list.errorForeground')),
  orphan: () =>
    new vscode.FileDecoration(
      'O',
      'Orphan: its parent exited and another process adopted it',
      new vscode.ThemeColor('list.warningForeground'),
    ),
  'orphan-weak': () => new vscode.FileDecoration('O?', 'Possible orphan', new vscode.ThemeColor('list.warningForeground')),
};

export class ProcessDecorationProvider implements vscode.FileDecorationProvider {
  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== PROCESS_URI_SCHEME || !uri.query) return undefined;
    return DECORATIONS[uri.query as Exclude<Flag, ''>]?.();
  }
}
