// Static checks in the editor: starts the mpscope language server (dist/server.js, over IPC) for
// Python files, and adds "mpscope: Lint Workspace". The rules live in src/lint; the server in
// src/server. Settings: mpscope.lint.enable, mpscope.lint.rules, mpscope.lint.startMethod.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import type { MpscopeContext } from '../context';
import { LINT_WORKSPACE_REQUEST, type LintWorkspaceParams, type LintWorkspaceResult } from '../../server/protocol';

let client: LanguageClient | undefined;

/** The running language client (tests use it to wait for the server). */
export function lintClient(): LanguageClient | undefined {
  return client;
}

export function registerLint(ctx: MpscopeContext): void {
  const module = ctx.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'python' },
    ],
    synchronize: { configurationSection: 'mpscope.lint' },
    diagnosticCollectionName: 'mpscope',
    outputChannel: ctx.log,
  };
  const c = new LanguageClient('mpscope', 'mpscope static checks', serverOptions, clientOptions);
  client = c;
  // Starting spawns the server process: not awaited, so activation stays quick.
  const started = c.start().catch((err) => ctx.log.error(`static checks: the language server did not start: ${err?.message ?? err}`));
  ctx.track({
    dispose: () => {
      if (client === c) client = undefined;
      void c.stop().catch(() => undefined);
    },
  });

  ctx.registerCommand('mpscope.lintWorkspace', async () => {
    await started;
    if (!c.isRunning()) throw new Error('the static checks server is not running (see the mpscope log)');
    const folders = vscode.workspace.workspaceFolders;
    if (!folders?.length) {
      void vscode.window.showInformationMessage('mpscope: open a folder to lint a workspace.');
      return undefined;
    }
    const params: LintWorkspaceParams = { paths: folders.filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath) };
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'mpscope: linting workspace' },
      () => c.sendRequest<LintWorkspaceResult>(LINT_WORKSPACE_REQUEST, params),
    );
    const summary =
      `mpscope: ${result.findings} finding${result.findings === 1 ? '' : 's'} in ${result.filesWithFindings} of ` +
      `${result.files} Python file${result.files === 1 ? '' : 's'}` +
      (result.unparsable ? ` (${result.unparsable} with syntax errors)` : '') + '.';
    ctx.log.info(summary);
    if (result.findings > 0) {
      void vscode.window.showInformationMessage(summary, 'Show Problems').then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.actions.view.problems');
      });
    } else {
      void vscode.window.showInformationMessage(summary);
    }
    return result;
  });
}
