// "Attach Python Debugger": starts a debugpy attach-by-process-id session, through the Python
// Debugger extension, on a process row of the Processes view (or a pid typed in the palette).
// debugpy alone cannot pick one specific child of a multiprocessing program (debugpy issue
// 1838); the process tree can.
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { MpscopeContext } from '../context';
import { attachRefusal, buildAttachConfig, ptraceHint, type AttachTarget, type DebugpyAttachConfig } from './attach-config';

export const ATTACH_DEBUGGER = 'mpscope.attachDebugger';
export const DEBUGPY_EXTENSION_ID = 'ms-python.debugpy';
/** Context key for `when` clauses: the Python Debugger extension is installed and enabled. */
export const DEBUGPY_AVAILABLE_KEY = 'mpscope.debugpyAvailable';

export type AttachOutcome =
  | { started: true; config: DebugpyAttachConfig }
  | { started: false; reason: 'debugpy-missing' | 'refused' | 'cancelled' | 'failed'; message?: string; config?: DebugpyAttachConfig };

export function isDebugpyInstalled(): boolean {
  return vscode.extensions.getExtension(DEBUGPY_EXTENSION_ID) !== undefined;
}

function numberField(o: Record<string, unknown>, key: string): number | undefined {
  const v = o[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function stringField(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/**
 * Reads what the action needs from whatever VS Code passes: a Processes view element (its own
 * shape, or one wrapping a process under `process`/`record`), an object with a pid, or a number.
 */
export function targetFromArgument(arg: unknown): AttachTarget | undefined {
  if (typeof arg === 'number') return { pid: arg };
  if (typeof arg === 'string' && /^\d+$/.test(arg.trim())) return { pid: Number(arg.trim()) };
  if (!arg || typeof arg !== 'object') return undefined;
  const outer = arg as Record<string, unknown>;
  for (const o of [outer, outer.process, outer.record, outer.proc].filter((x): x is Record<string, unknown> => !!x && typeof x === 'object')) {
    const pid = numberField(o, 'pid');
    if (pid === undefined) continue;
    const state = stringField(o, 'state');
    const isZombie = o.zombie === true || o.isZombie === true || state === 'zombie';
    const python = typeof o.isPython === 'boolean' ? o.isPython : typeof o.python === 'boolean' ? o.python : undefined;
    const mpName = stringField(o, 'mpName') ?? stringField(o, 'multiprocessingName') ?? stringField(outer, 'mpName');
    const exited = o.exited === true || o.alive === false || numberField(o, 'exitCode') !== undefined;
    return { pid, mpName, isZombie, isPython: python, exited };
  }
  return undefined;
}

/** Tells the user what to install, and offers to show it in the Extensions view. */
async function explainMissingDebugpy(): Promise<void> {
  const show = 'Show Python Debugger Extension';
  const choice = await vscode.window.showInformationMessage(
    'mpscope: attaching a debugger needs the Python Debugger extension (ms-python.debugpy), ' +
      'which is not installed. Install it, then use "Attach Python Debugger" on a process row.',
    show,
  );
  if (choice === show) await vscode.commands.executeCommand('workbench.extensions.search', DEBUGPY_EXTENSION_ID);
}

async function askPid(): Promise<AttachTarget | undefined> {
  const text = await vscode.window.showInputBox({
    title: 'mpscope: Attach Python Debugger',
    prompt: 'Process id of a running Python process (tip: right-click a row in the Processes view)',
    validateInput: (v) => (/^\s*\d+\s*$/.test(v) ? undefined : 'Enter a process id (a number)'),
  });
  return text === undefined ? undefined : { pid: Number(text.trim()) };
}

function readPtraceScope(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return fs.readFileSync('/proc/sys/kernel/yama/ptrace_scope', 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Starts the debugpy attach session for `target`. Exposed to tests so they can check what is
 * handed to vscode.debug.startDebugging without the Python Debugger extension installed.
 */
export async function startAttach(ctx: MpscopeContext, target: AttachTarget): Promise<AttachOutcome> {
  const refusal = attachRefusal(target);
  if (refusal) {
    void vscode.window.showErrorMessage(`mpscope: cannot attach the debugger: ${refusal}.`);
    return { started: false, reason: 'refused', message: refusal };
  }
  const config = buildAttachConfig(target);
  const folder = vscode.workspace.workspaceFolders?.[0];
  ctx.log.info(`starting debugpy attach session "${config.name}" on pid ${config.processId}`);
  const started = await vscode.debug.startDebugging(folder, config);
  if (started) return { started: true, config };
  const hint = ptraceHint(readPtraceScope(), typeof process.getuid === 'function' && process.getuid() === 0);
  const message = `the debug session for pid ${target.pid} did not start${hint ? `: ${hint}` : ''}`;
  ctx.log.warn(message);
  if (hint) void vscode.window.showWarningMessage(`mpscope: ${message}.`);
  return { started: false, reason: 'failed', message, config };
}

/** Feature: the command, and the context key that shows its menu entry only when it can work. */
export function registerAttachDebugger(ctx: MpscopeContext): void {
  const updateKey = (): void => {
    void vscode.commands.executeCommand('setContext', DEBUGPY_AVAILABLE_KEY, isDebugpyInstalled());
  };
  updateKey();
  ctx.track(vscode.extensions.onDidChange(updateKey));

  ctx.registerCommand(ATTACH_DEBUGGER, async (arg?: unknown): Promise<AttachOutcome> => {
    if (!isDebugpyInstalled()) {
      // Not awaited: the command answers at once; the message stays until the user acts.
      void explainMissingDebugpy();
      return { started: false, reason: 'debugpy-missing' };
    }
    const target = targetFromArgument(arg) ?? (await askPid());
    if (!target) return { started: false, reason: 'cancelled' };
    return startAttach(ctx, target);
  });
}
