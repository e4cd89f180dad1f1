import * as vscode from 'vscode';
import { findMainGuards } from '../../runner/view/main-guard';

export const RUN_FILE_COMMAND = 'mpscope.runFile';

/** "Run with mpscope" above each `if __name__ == "__main__":` of a Python file. */
export class MainGuardCodeLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;
  private readonly subscription = vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('mpscope.run.codeLens')) this.emitter.fire();
  });

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('mpscope').get<boolean>('run.codeLens', true)) return [];
    if (doc.uri.scheme !== 'file') return [];
    return findMainGuards(doc.getText()).map(
      (line) =>
        new vscode.CodeLens(new vscode.Range(line - 1, 0, line - 1, 0), {
          title: '$(debug-alt) Run with mpscope',
          tooltip: 'Run this file under mpscope: follow every child process, find deadlocks and lifecycle bugs',
          command: RUN_FILE_COMMAND,
          arguments: [doc.uri],
        }),
    );
  }
}
