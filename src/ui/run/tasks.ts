import * as path from 'path';
import * as vscode from 'vscode';
import type { MpscopeContext } from '../context';
import type { RunController } from './controller';
import { RunTerminal } from './terminal';
import { RunRequestError, requestFromDefinition } from '../../runner/view/run-request';

export const TASK_TYPE = 'mpscope';

/**
 * The `mpscope` task type: a run started from tasks.json, with the Python extension's field
 * names (program, args, env, cwd, python) plus startMethod, hangTimeout and prefixOutput:
 *
 *   { "type": "mpscope", "label": "run app", "program": "${file}", "args": ["--n", "3"],
 *     "startMethod": "spawn", "env": { "APP_DEBUG": "1" } }
 *
 * VS Code substitutes the variables (${file}, ${workspaceFolder}) before mpscope sees them.
 */
export class MpscopeTaskProvider implements vscode.TaskProvider {
  constructor(
    private readonly ctx: MpscopeContext,
    private readonly controller: RunController,
  ) {}

  /** Offers "run the current file" when a Python file is open, so Run Task lists something. */
  provideTasks(): vscode.Task[] {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc || doc.languageId !== 'python' || doc.uri.scheme !== 'file') return [];
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    const rel = folder ? path.relative(folder.uri.fsPath, doc.uri.fsPath) : doc.uri.fsPath;
    const definition = { type: TASK_TYPE, program: folder ? `\${workspaceFolder}/${rel.split(path.sep).join('/')}` : doc.uri.fsPath };
    return [this.build(definition, folder ?? vscode.TaskScope.Workspace, `run ${path.basename(doc.uri.fsPath)}`)];
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    if (task.definition.type !== TASK_TYPE) return undefined;
    return this.build(task.definition, task.scope ?? vscode.TaskScope.Workspace, task.name);
  }

  private build(definition: vscode.TaskDefinition, scope: vscode.WorkspaceFolder | vscode.TaskScope, name: string): vscode.Task {
    const folder = typeof scope === 'object' ? scope : vscode.workspace.workspaceFolders?.[0];
    const task = new vscode.Task(
      definition,
      scope,
      name,
      'mpscope',
      new vscode.CustomExecution(async (resolved) => this.execute(resolved, folder)),
    );
    task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, focus: false, clear: true };
    return task;
  }

  private async execute(resolved: vscode.TaskDefinition, folder: vscode.WorkspaceFolder | undefined): Promise<vscode.Pseudoterminal> {
    const prefix = vscode.workspace.getConfiguration('mpscope').get<boolean>('run.prefixOutput', false);
    const term = new RunTerminal(resolved.prefixOutput ?? prefix);
    let request;
    try {
      request = requestFromDefinition(resolved, folder?.uri.fsPath ?? process.cwd());
    } catch (err) {
      const message = err instanceof RunRequestError ? err.message : String(err);
      void term.whenOpened.then(() => {
        term.error(`mpscope: ${message}`);
        term.exit(2);
      });
      return term;
    }
    void term.whenOpened.then(async () => {
      if (!vscode.workspace.isTrusted) {
        term.error('mpscope: running code is disabled in this untrusted workspace (Workspace Trust). Trust the workspace to run it.');
        term.exit(2);
        return;
      }
      try {
        await this.controller.start(request, term);
      } catch (err) {
        this.ctx.log.error(`mpscope task: ${err instanceof Error ? err.message : err}`);
        // start() already wrote the reason in the terminal and ended it.
      }
    });
    return term;
  }
}
