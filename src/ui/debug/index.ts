// "Attach Python Debugger": starts a debugpy attach-by-process-id session, through the Python
// Debugger extension, on a process row of the Processes view (or a pid typed in the palette).
// debugpy alone cannot pick one specific child of a multiprocessing program (debugpy issue
// 1838); the process tree can.
import * as fs from 'fs';
import * as vscode from 'vscode';
import type { ProcessNode } from '../../procs';
import type { MpscopeContext } from '../context';
import { processesApi } from '../processes';
import { getRunApi } from '../run/api';
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
 * Reads what the action needs from whatever VS Code passes: a row of the Processes view (a process
 * key "<pid>:<start>", or a run row "run:<generation>:<pid>"), a pid, or an object with a pid.
 * Rows are looked up in the Processes view and the current run, for the multiprocessing name.
 */
export function resolveTarget(ctx: MpscopeContext, arg: unknown): AttachTarget | undefined {
  if (typeof arg === 'number') return enrich(ctx, { pid: arg });
  if (typeof arg === 'string') {
    const run = /^run:\d+:(\d+)$/.exec(arg);
    if (run) {
      const pid = Number(run[1]);
      const p = getRunApi(ctx)?.controller.processes().find((x) => x.pid === pid);
      // Every process of an mpscope run is a Python interpreter.
      return { pid, mpName: p?.name, isPython: true, exited: p ? !p.alive : undefined };
    }
    const node = processesApi()?.provider.node(arg);
    if (node) return fromNode(node);
    if (/^\d+(:|$)/.test(arg)) return enrich(ctx, { pid: Number(arg.split(':')[0]) });
    return undefined;
  }
  if (!arg || typeof arg !== 'object') return undefined;
  const o = arg as Record<string, unknown>;
  const pid = numberField(o, 'pid');
  if (pid === undefined) return undefined;
  return enrich(ctx, {
    pid,
    mpName: stringField(o, 'mpName'),
    isPython: typeof o.isPython === 'boolean' ? o.isPython : undefined,
    isZombie: o.isZombie === true || o.zombie === true || undefined,
  });
}

function fromNode(node: ProcessNode): AttachTarget {
  return {
    pid: node.pid,
    mpName: node.annotation?.mpName,
    isPython: node.isPython,
    isZombie: Boolean(node.zombie) || node.record.state === 'zombie',
  };
}

/** Fills in what the Processes view knows about a bare pid. */
function enrich(ctx: MpscopeContext, t: AttachTarget): AttachTarget {
  const key = processesApi()?.provider.keyOfPid(t.pid);
  const node = key ? processesApi()?.provider.node(key) : undefined;
  const run = getRunApi(ctx)?.controller.processes().find((x) => x.pid === t.pid);
  const known = node ? fromNode(node) : undefined;
  return {
    pid: t.pid,
    mpName: t.mpName ?? known?.mpName ?? run?.name,
    isPython: t.isPython ?? known?.isPython ?? (run ? true : undefined),
    isZombie: t.isZombie ?? known?.isZombie,
  };
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

/** From the palette: pick a live Python process (from the Processes view's last snapshot), or type a pid. */
async function askTarget(ctx: MpscopeContext): Promise<AttachTarget | undefined> {
  const tree = processesApi()?.provider.current ?? (await processesApi()?.refresh());
  const candidates = [...(tree?.model.nodes.values() ?? [])]
    .filter((n) => n.isPython && !n.zombie && n.record.state !== 'zombie' && n.pid !== process.pid)
    .sort((a, b) => a.pid - b.pid);
  if (candidates.length > 0) {
    type Item = vscode.QuickPickItem & { target?: AttachTarget };
    const items: Item[] = candidates.map((n) => ({
      label: `${n.annotation?.mpName ?? n.record.name} (${n.pid})`,
      description: n.runMember ? 'mpscope run' : undefined,
      detail: n.command,
      target: fromNode(n),
    }));
    items.push({ label: 'Enter a process id...', alwaysShow: true });
    const picked = await vscode.window.showQuickPick(items, {
      title: 'mpscope: Attach Python Debugger',
      placeHolder: 'Python process to attach the debugger to',
      matchOnDetail: true,
    });
    if (!picked) return undefined;
    if (picked.target) return picked.target;
  }
  const text = await vscode.window.showInputBox({
    title: 'mpscope: Attach Python Debugger',
    prompt: 'Process id of a running Python process',
    validateInput: (v) => (/^\s*\d+\s*$/.test(v) ? undefined : 'Enter a process id (a number)'),
  });
  return text === undefined ? undefined : enrich(ctx, { pid: Number(text.trim()) });
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
  // Said before starting: with this kernel policy debugpy's injector (gdb) is refused, and the
  // error debugpy reports does not say why.
  const hint = ptraceHint(readPtraceScope(), typeof process.getuid === 'function' && process.getuid() === 0);
  if (hint) {
    ctx.log.warn(`attach to pid ${target.pid}: ${hint}`);
    void vscode.window.showWarningMessage(`mpscope: ${hint}.`);
  }
  ctx.log.info(`starting debugpy attach session "${config.name}" on pid ${config.processId}`);
  const started = await vscode.debug.startDebugging(folder, config);
  if (started) return { started: true, config };
  const message = `the debug session for pid ${target.pid} did not start${hint ? `: ${hint}` : ''}`;
  ctx.log.warn(message);
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
    const target = resolveTarget(ctx, arg) ?? (await askTarget(ctx));
    if (!target) return { started: false, reason: 'cancelled' };
    return startAttach(ctx, target);
  });
}
