// The context-menu commands of a process row. The rules (what may be signalled, identity checks,
// tree order) live in src/procs/signals.ts; this file only asks and tells.
import * as vscode from 'vscode';
import {
  COMMON_SIGNALS,
  SignalError,
  displayName,
  killTree,
  killVerdict,
  safetyContext,
  sendSignal,
  type ProcessMonitor,
  type ProcessNode,
  type SafetyContext,
} from '../../procs';
import type { MpscopeContext } from '../context';
import type { ProcessTreeProvider } from './provider';

export interface CommandDeps {
  ctx: MpscopeContext;
  monitor: ProcessMonitor;
  provider: ProcessTreeProvider;
  view: vscode.TreeView<string>;
  refresh(): Promise<unknown>;
}

export function registerProcessCommands(deps: CommandDeps): void {
  const { ctx, monitor, provider, view } = deps;
  let safety: Promise<SafetyContext> | undefined;
  const getSafety = () => (safety ??= safetyContext(monitor.source));

  /** The row a command is about: the one right-clicked, else the selected one. */
  const target = (key?: unknown): ProcessNode => {
    const k = typeof key === 'string' ? key : view.selection[0];
    const node = k ? provider.node(k) : undefined;
    if (!node) throw new Error('Select a process in the Processes view first.');
    return node;
  };
  const name = (n: ProcessNode) => `${displayName(n)} (${n.pid})`;

  const signalOne = async (node: ProcessNode, signal: NodeJS.Signals): Promise<void> => {
    const verdict = killVerdict(node, signal, await getSafety());
    if (verdict.kind === 'refuse') {
      if (verdict.reason === 'zombie') {
        const parent = monitor.latest?.byPid.get(node.ppid);
        const choice = parent
          ? await vscode.window.showWarningMessage(verdict.message, `Terminate Parent ${node.ppid}`)
          : await vscode.window.showWarningMessage(verdict.message);
        if (choice && parent) await signalOne(parent, 'SIGTERM');
        return;
      }
      void vscode.window.showWarningMessage(verdict.message);
      return;
    }
    if (verdict.kind === 'confirm') {
      const ok = await vscode.window.showWarningMessage(verdict.message, { modal: true }, `Send ${signal}`);
      if (!ok) return;
    }
    try {
      await sendSignal(monitor.source, { pid: node.pid, startToken: node.record.startToken }, signal, await getSafety());
      ctx.log.info(`sent ${signal} to ${name(node)}`);
      vscode.window.setStatusBarMessage(`mpscope: sent ${signal} to ${name(node)}`, 4000);
    } catch (err) {
      if (err instanceof SignalError) {
        void vscode.window.showWarningMessage(err.message);
        return;
      }
      throw err;
    } finally {
      void deps.refresh();
    }
  };

  ctx.registerCommand('mpscope.processes.terminate', (key?: unknown) => signalOne(target(key), 'SIGTERM'));
  ctx.registerCommand('mpscope.processes.kill', (key?: unknown) => signalOne(target(key), 'SIGKILL'));

  ctx.registerCommand('mpscope.processes.sendSignal', async (key?: unknown) => {
    const node = target(key);
    const pick = await vscode.window.showQuickPick(
      COMMON_SIGNALS.map((s) => ({ label: s.signal, description: s.description })),
      { title: `Send a signal to ${name(node)}`, placeHolder: 'Signal' },
    );
    if (pick) await signalOne(node, pick.label as NodeJS.Signals);
  });

  ctx.registerCommand('mpscope.processes.killTree', async (key?: unknown) => {
    const node = target(key);
    const verdict = killVerdict(node, 'SIGKILL', await getSafety());
    if (verdict.kind === 'refuse') {
      void vscode.window.showWarningMessage(verdict.message);
      return;
    }
    const descendants = await monitor.source.descendants(node.pid);
    if (verdict.kind === 'confirm' || descendants.length > 0) {
      const what =
        descendants.length > 0 ? `${name(node)} and its ${descendants.length} descendant${descendants.length === 1 ? '' : 's'}` : name(node);
      const origin = node.runMember ? '' : ' mpscope did not start it.';
      const ok = await vscode.window.showWarningMessage(
        `Kill ${what} with SIGKILL?${origin}`,
        { modal: true, detail: 'Children are killed before their parents, after the whole tree is paused so nothing new starts.' },
        'Kill Tree',
      );
      if (!ok) return;
    }
    try {
      const result = await killTree(monitor.source, { pid: node.pid, startToken: node.record.startToken }, 'SIGKILL', await getSafety());
      ctx.log.info(`kill tree ${name(node)}: killed ${result.signalled.join(', ') || 'none'}; skipped ${JSON.stringify(result.skipped)}`);
      const skipped = result.skipped.length > 0 ? `; left alone: ${result.skipped.map((s) => `${s.pid} (${s.reason})`).join('; ')}` : '';
      const message = `mpscope: killed ${result.signalled.length} process${result.signalled.length === 1 ? '' : 'es'}${skipped}`;
      if (result.skipped.length > 0) void vscode.window.showWarningMessage(message);
      else vscode.window.setStatusBarMessage(message, 4000);
    } catch (err) {
      if (err instanceof SignalError) {
        void vscode.window.showWarningMessage(err.message);
        return;
      }
      throw err;
    } finally {
      void deps.refresh();
    }
  });

  ctx.registerCommand('mpscope.processes.copyPid', async (key?: unknown) => {
    const node = target(key);
    await vscode.env.clipboard.writeText(String(node.pid));
  });

  ctx.registerCommand('mpscope.processes.copyCommandLine', async (key?: unknown) => {
    const node = target(key);
    if (!node.command) throw new Error(`Process ${node.pid} has no readable command line.`);
    await vscode.env.clipboard.writeText(node.command);
  });

  ctx.registerCommand('mpscope.processes.revealStartSite', async (key?: unknown) => {
    const node = target(key);
    const site = node.annotation?.startSite;
    if (!site) throw new Error(`mpscope does not know where process ${node.pid} was started (only processes of an mpscope run have a start site).`);
    const position = new vscode.Position(Math.max(0, site.line - 1), Math.max(0, (site.column ?? 1) - 1));
    await vscode.window.showTextDocument(vscode.Uri.file(site.file), { selection: new vscode.Range(position, position) });
  });
}
