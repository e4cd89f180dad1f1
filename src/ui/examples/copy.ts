// "mpscope: Open Examples": copies the example programs shipped in media/examples/ into a new
// folder. Uses vscode.workspace.fs so that it works wherever the extension host runs (locally,
// or on the remote side under Remote-SSH, WSL and Dev Containers).
import * as vscode from 'vscode';

/** Files that are never copied (byte code the examples may have left in the extension folder). */
function skipped(name: string): boolean {
  return name === '__pycache__' || name.endsWith('.pyc') || name === '.DS_Store';
}

/** Copies the folder `from` into `to` (created), recursively. Returns the files copied. */
export async function copyTree(from: vscode.Uri, to: vscode.Uri): Promise<vscode.Uri[]> {
  const copied: vscode.Uri[] = [];
  await vscode.workspace.fs.createDirectory(to);
  for (const [name, type] of await vscode.workspace.fs.readDirectory(from)) {
    if (skipped(name)) continue;
    const src = vscode.Uri.joinPath(from, name);
    const dst = vscode.Uri.joinPath(to, name);
    if (type & vscode.FileType.Directory) {
      copied.push(...(await copyTree(src, dst)));
    } else if (type & vscode.FileType.File) {
      await vscode.workspace.fs.writeFile(dst, await vscode.workspace.fs.readFile(src));
      copied.push(dst);
    }
  }
  return copied;
}

export async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** `parent/mpscope-examples`, or `-2`, `-3`... when that exists: never overwrite a user's files. */
export async function freshFolder(parent: vscode.Uri, base = 'mpscope-examples'): Promise<vscode.Uri> {
  for (let i = 1; i < 1000; i++) {
    const candidate = vscode.Uri.joinPath(parent, i === 1 ? base : `${base}-${i}`);
    if (!(await exists(candidate))) return candidate;
  }
  throw new Error(`${parent.fsPath} already has 1000 folders named ${base}-N; choose another folder`);
}
