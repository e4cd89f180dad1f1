// The Getting Started walkthrough (contributes.walkthroughs in package.json, pages in
// media/walkthrough/) and the small commands its steps use: open and run an example, and compare
// an example with its fixed version.
import * as path from 'path';
import * as vscode from 'vscode';
import type { MpscopeContext } from '../context';
import { OPEN_EXAMPLES } from '../examples';
import { getRunApi } from '../run/api';

export const WALKTHROUGH_ID = 'mpscope.mpscope#gettingStarted';
export const GET_STARTED = 'mpscope.getStarted';
export const RUN_EXAMPLE = 'mpscope.runExample';
export const COMPARE_WITH_FIXED = 'mpscope.compareWithFixedExample';
/** The run command of the editor integration (src/ui/run). */
export const RUN_FILE = 'mpscope.runFile';
/** Context key: the last run has ended with no findings (the walkthrough's last step). */
export const LAST_RUN_CLEAN_KEY = 'mpscope.lastRunClean';

async function isFile(uri: vscode.Uri): Promise<boolean> {
  try {
    return ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.File) !== 0;
  } catch {
    return false;
  }
}

/**
 * The example `name` (e.g. "deadlock_lock_order.py" or "fixed/zombie.py") in the open folders:
 * at a folder's top level first (what Open Examples creates), else anywhere but node_modules.
 */
export async function findExample(name: string): Promise<vscode.Uri | undefined> {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const direct = vscode.Uri.joinPath(folder.uri, ...name.split('/'));
    if (await isFile(direct)) return direct;
  }
  const found = await vscode.workspace.findFiles(`**/${name}`, '**/node_modules/**', 20);
  // Prefer the buggy copy over one under fixed/ unless fixed/ was asked for.
  const wanted = name.startsWith('fixed/') ? found : found.filter((u) => !/[\\/]fixed[\\/][^\\/]+$/.test(u.fsPath));
  return wanted.sort((a, b) => a.fsPath.length - b.fsPath.length)[0];
}

async function offerExamples(name: string): Promise<void> {
  const open = 'Open Examples';
  const choice = await vscode.window.showInformationMessage(
    `mpscope: ${name} is not in the open folder. Open the examples first.`,
    open,
  );
  if (choice === open) await vscode.commands.executeCommand(OPEN_EXAMPLES);
}

/** The fixed twin of an example: `dir/name.py` -> `dir/fixed/name.py`. */
export function fixedTwin(file: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(file, '..', 'fixed', path.basename(file.fsPath));
}

export interface RunExampleResult {
  file?: string;
  ran: boolean;
}

/** Feature: the walkthrough's commands, and the context key of its last step. */
export function registerWalkthrough(ctx: MpscopeContext): void {
  const run = getRunApi(ctx);
  if (run) {
    let last: boolean | undefined;
    const update = (): void => {
      const report = run.state.report;
      const clean = !run.state.live && !!report && report.findings.length === 0;
      if (clean !== last) void vscode.commands.executeCommand('setContext', LAST_RUN_CLEAN_KEY, clean);
      last = clean;
    };
    ctx.track(run.state.onDidChange(update));
    update();
  }

  ctx.registerCommand(GET_STARTED, () =>
    vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH_ID, false),
  );

  ctx.registerCommand(RUN_EXAMPLE, async (name: unknown = 'deadlock_lock_order.py'): Promise<RunExampleResult> => {
    const wanted = typeof name === 'string' && name.endsWith('.py') ? name : 'deadlock_lock_order.py';
    const file = await findExample(wanted);
    if (!file) {
      void offerExamples(wanted);
      return { ran: false };
    }
    await vscode.window.showTextDocument(file, { preview: false });
    const registered = await vscode.commands.getCommands(true);
    if (!registered.includes(RUN_FILE)) {
      throw new Error(`the command ${RUN_FILE} is not available; reinstall mpscope`);
    }
    await vscode.commands.executeCommand(RUN_FILE, file);
    return { file: file.fsPath, ran: true };
  });

  ctx.registerCommand(COMPARE_WITH_FIXED, async (arg?: unknown): Promise<{ left: string; right: string } | undefined> => {
    let file = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!file || file.scheme !== 'file' || !(await isFile(fixedTwin(file)))) {
      // Not on an example: fall back to the walkthrough's one.
      file = await findExample('deadlock_lock_order.py');
    }
    if (!file) {
      void offerExamples('deadlock_lock_order.py');
      return undefined;
    }
    const fixed = fixedTwin(file);
    if (!(await isFile(fixed))) throw new Error(`${path.basename(file.fsPath)} has no fixed version next to it`);
    const base = path.basename(file.fsPath);
    await vscode.commands.executeCommand('vscode.diff', file, fixed, `${base} ↔ fixed/${base}`);
    return { left: file.fsPath, right: fixed.fsPath };
  });
}
