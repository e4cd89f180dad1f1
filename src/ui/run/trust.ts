import * as vscode from 'vscode';

/**
 * Running a file with mpscope executes code from the workspace (the script, and whatever it
 * imports, with the interpreter the workspace may configure). VS Code's Workspace Trust exists
 * for exactly this, so an untrusted workspace gets a message saying why instead of a run.
 * Returns true when the run may go ahead.
 */
export async function ensureTrusted(what: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  const choice = await vscode.window.showWarningMessage(
    `mpscope: ${what} is disabled in this untrusted workspace, because it would run the workspace's Python code ` +
      '(and the interpreter it configures) on this machine. Trust the workspace to run it with mpscope. ' +
      'The process tree and the static checks keep working meanwhile.',
    manage,
  );
  if (choice === manage) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}
