import * as os from 'os';
import * as vscode from 'vscode';
import type { MpscopeContext } from '../context';
import { copyTree, exists, freshFolder } from './copy';

export const OPEN_EXAMPLES = 'mpscope.openExamples';

/** Arguments tests (and other commands) may pass instead of answering dialogs. */
export interface OpenExamplesOptions {
  /** Copy into exactly this folder (must not exist yet), without asking. */
  target?: string;
  /** Open the copied folder (default true). Opening reloads the window, so tests pass false. */
  open?: boolean;
}

export interface OpenExamplesResult {
  folder: string;
  files: string[];
  opened: boolean;
}

async function askParent(): Promise<vscode.Uri | undefined> {
  // Default to the home folder of the machine the extension runs on (the remote one under
  // Remote-SSH/WSL/containers: file URIs of a workspace extension refer to that machine).
  const picked = await vscode.window.showOpenDialog({
    title: 'mpscope: choose where to create the examples folder',
    openLabel: 'Create "mpscope-examples" Here',
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    defaultUri: vscode.Uri.file(os.homedir()),
  });
  return picked?.[0];
}

async function openFolder(folder: vscode.Uri): Promise<boolean> {
  if (!vscode.workspace.workspaceFolders?.length) {
    await vscode.commands.executeCommand('vscode.openFolder', folder, { forceNewWindow: false });
    return true;
  }
  // A folder is open already: replacing it silently would lose the user's place.
  const choice = await vscode.window.showInformationMessage(
    `mpscope examples copied to ${folder.fsPath}.`,
    'Open Folder',
    'Open in New Window',
  );
  if (!choice) return false;
  await vscode.commands.executeCommand('vscode.openFolder', folder, { forceNewWindow: choice === 'Open in New Window' });
  return true;
}

/** Feature: "mpscope: Open Examples". */
export function registerOpenExamples(ctx: MpscopeContext): void {
  ctx.registerCommand(OPEN_EXAMPLES, async (options?: OpenExamplesOptions): Promise<OpenExamplesResult | undefined> => {
    const source = vscode.Uri.joinPath(ctx.extension.extensionUri, 'media', 'examples');
    let target: vscode.Uri;
    if (options?.target) {
      target = vscode.Uri.file(options.target);
      if (await exists(target)) throw new Error(`${options.target} already exists; choose a new folder`);
    } else {
      const parent = await askParent();
      if (!parent) return undefined; // cancelled
      target = await freshFolder(parent);
    }
    const files = await copyTree(source, target);
    ctx.log.info(`copied ${files.length} example files to ${target.fsPath}`);
    const opened = options?.open === false ? false : await openFolder(target);
    return { folder: target.fsPath, files: files.map((f) => f.fsPath), opened };
  });
}
