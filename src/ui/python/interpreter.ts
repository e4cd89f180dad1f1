// The interpreter mpscope runs scripts with, as VS Code knows it: the `mpscope.pythonPath`
// setting, else the interpreter selected in the Python extension (through its published API
// package, @vscode/python-extension), else python3/python on PATH. Run commands call
// resolveInterpreter(); the choice itself is made (and unit-tested) in ./choose.ts.
import * as vscode from 'vscode';
import { PythonExtension } from '@vscode/python-extension';
import type { MpscopeContext } from '../context';
import { chooseInterpreter, describeSource, type InterpreterChoice } from './choose';

export const PYTHON_EXTENSION_ID = 'ms-python.python';

export interface ResolvedInterpreter extends InterpreterChoice {
  /** One line for logs and reports, e.g. "/usr/bin/python3 (found on PATH)". */
  label: string;
}

/** The Python extension's API takes a while to activate; never let a run wait on it for long. */
const PYTHON_API_TIMEOUT_MS = 10_000;

let pythonApi: Promise<PythonExtension | undefined> | undefined;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** The Python extension's API, or undefined when it is not installed or fails to activate. */
async function getPythonApi(ctx: MpscopeContext): Promise<PythonExtension | undefined> {
  if (!vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) return undefined;
  if (!pythonApi) {
    pythonApi = withTimeout(PythonExtension.api(), PYTHON_API_TIMEOUT_MS).catch((err) => {
      ctx.log.warn(`the Python extension's API is not available: ${err instanceof Error ? err.message : err}`);
      pythonApi = undefined; // try again next time
      return undefined;
    });
  }
  return pythonApi;
}

/** The executable of the environment the Python extension has selected for `resource`. */
async function fromPythonExtension(ctx: MpscopeContext, resource: vscode.Uri | undefined): Promise<string | undefined> {
  const api = await getPythonApi(ctx);
  if (!api) return undefined;
  try {
    const active = api.environments.getActiveEnvironmentPath(resource);
    const resolved = await withTimeout(api.environments.resolveEnvironment(active), PYTHON_API_TIMEOUT_MS);
    const exe = resolved?.executable.uri?.fsPath;
    if (exe) return exe;
    ctx.log.info(`the Python extension's environment ${active.path} has no executable; falling back`);
  } catch (err) {
    ctx.log.warn(`could not read the Python extension's interpreter: ${err instanceof Error ? err.message : err}`);
  }
  return undefined;
}

/**
 * The interpreter to run `resource` (a script or a folder) with. Never throws: the worst case is
 * the conventional `python3`, and launching it reports "not found" clearly.
 */
export async function resolveInterpreter(ctx: MpscopeContext, resource?: vscode.Uri): Promise<ResolvedInterpreter> {
  const folder = resource ? vscode.workspace.getWorkspaceFolder(resource) : vscode.workspace.workspaceFolders?.[0];
  // In an untrusted workspace VS Code hides workspace values of this restricted setting, so a
  // cloned repository cannot pick the program mpscope executes.
  const setting = vscode.workspace.getConfiguration('mpscope', resource ?? folder?.uri).get<string>('pythonPath');
  const choice = chooseInterpreter({
    setting,
    fromPythonExtension: setting?.trim() ? undefined : await fromPythonExtension(ctx, resource ?? folder?.uri),
    workspaceFolder: folder?.uri.fsPath,
  });
  return { ...choice, label: `${choice.command} (${describeSource(choice.source)})` };
}

let changed = new vscode.EventEmitter<void>();

/** Fires when the interpreter resolveInterpreter() would pick may have changed. */
export const onDidChangeInterpreter: vscode.Event<void> = (listener, thisArgs, disposables) =>
  changed.event(listener, thisArgs, disposables);

/**
 * Feature: follows the setting and the Python extension's selection, logging each change so a
 * user can see which interpreter the next run will use.
 */
export function registerInterpreterTracking(ctx: MpscopeContext): void {
  changed = ctx.track(new vscode.EventEmitter<void>());
  pythonApi = undefined;
  ctx.track(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('mpscope.pythonPath')) changed.fire();
    }),
  );
  let subscribed = false;
  const subscribe = (): void => {
    if (subscribed || !vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) return;
    subscribed = true;
    // Not awaited: activation must not wait for the Python extension.
    void getPythonApi(ctx).then((api) => {
      if (!api) {
        subscribed = false;
        return;
      }
      ctx.track(api.environments.onDidChangeActiveEnvironmentPath(() => changed.fire()));
    });
  };
  subscribe();
  // The Python extension may be installed or enabled after mpscope started.
  ctx.track(vscode.extensions.onDidChange(subscribe));
  ctx.track(
    onDidChangeInterpreter(() => {
      void resolveInterpreter(ctx).then((i) => ctx.log.info(`interpreter for the next run: ${i.label}`));
    }),
  );
}
