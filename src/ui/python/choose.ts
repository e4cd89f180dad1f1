// Which Python interpreter mpscope runs. No `vscode` import: the extension feeds in what the
// setting and the Python extension say, and this decides, so the order is unit-tested.
//
// Order (runner issue): the `mpscope.pythonPath` setting, else the interpreter selected in the
// Python extension, else `python3` / `python` found on PATH.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export type InterpreterSource = 'setting' | 'python-extension' | 'path';

export interface InterpreterChoice {
  /** What to execute: an absolute path, or a bare command name looked up on PATH. */
  command: string;
  source: InterpreterSource;
}

export interface InterpreterInputs {
  /** The raw `mpscope.pythonPath` value ('' or undefined when unset). */
  setting?: string;
  /** The executable of the Python extension's active environment, when it has one. */
  fromPythonExtension?: string;
  /** Folder of the file being run, for `${workspaceFolder}` in the setting. */
  workspaceFolder?: string;
  platform?: NodeJS.Platform;
  /** PATH to search for the fallback (defaults to process.env.PATH). */
  pathEnv?: string;
}

/**
 * Expands `~` and `${workspaceFolder}` in the setting, as the Python extension does for its own
 * interpreter paths, so that a workspace can point at `${workspaceFolder}/.venv/bin/python`.
 */
export function expandSettingPath(value: string, workspaceFolder: string | undefined): string {
  let out = value.trim();
  if (workspaceFolder) out = out.split('${workspaceFolder}').join(workspaceFolder);
  if (out === '~' || out.startsWith('~/') || out.startsWith('~\\')) out = path.join(os.homedir(), out.slice(1));
  return out;
}

/** The first of `names` that is an executable file on PATH, or undefined. */
export function findOnPath(names: string[], pathEnv: string | undefined, platform: NodeJS.Platform): string | undefined {
  const dirs = (pathEnv ?? '').split(platform === 'win32' ? ';' : ':').filter((d) => d.length > 0);
  const exts = platform === 'win32' ? ['.exe', '.cmd', '.bat', ''] : [''];
  for (const name of names) {
    for (const dir of dirs) {
      for (const ext of exts) {
        const candidate = path.join(dir, name + ext);
        try {
          const st = fs.statSync(candidate);
          if (!st.isFile()) continue;
          if (platform !== 'win32') fs.accessSync(candidate, fs.constants.X_OK);
          return candidate;
        } catch {
          // not here; keep looking
        }
      }
    }
  }
  return undefined;
}

/** The names to look for when neither the setting nor the Python extension names one. */
export function fallbackNames(platform: NodeJS.Platform): string[] {
  // Windows installs `python.exe` (and the `py` launcher); `python3.exe` there is often the
  // Microsoft Store stub, so prefer `python`. Elsewhere `python` may be Python 2 or absent.
  return platform === 'win32' ? ['python', 'python3'] : ['python3', 'python'];
}

export function chooseInterpreter(inputs: InterpreterInputs): InterpreterChoice {
  const platform = inputs.platform ?? process.platform;
  const setting = inputs.setting?.trim();
  if (setting) return { command: expandSettingPath(setting, inputs.workspaceFolder), source: 'setting' };
  if (inputs.fromPythonExtension) return { command: inputs.fromPythonExtension, source: 'python-extension' };
  const names = fallbackNames(platform);
  const found = findOnPath(names, inputs.pathEnv ?? process.env.PATH, platform);
  // When nothing is on PATH, still answer the conventional name: launching it then fails with
  // the runner's one clear "interpreter not found" line instead of a second error path here.
  return { command: found ?? names[0], source: 'path' };
}

/** How a person reads where the interpreter came from (report, log, status). */
export function describeSource(source: InterpreterSource): string {
  switch (source) {
    case 'setting':
      return 'mpscope.pythonPath setting';
    case 'python-extension':
      return 'selected in the Python extension';
    case 'path':
      return 'found on PATH';
  }
}
