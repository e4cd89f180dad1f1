import * as vscode from 'vscode';
import type { MpscopeContext } from '../context';
import type { RunState } from '../run/state';
import { RunAnnotations } from './annotations';
import { MainGuardCodeLens } from './codelens';
import { FindingsProvider, REVEAL_COMMAND, revealLocation } from './findings-view';
import { findingsBadgeTooltip, findingsMessage } from './message';

export interface FindingsHandles {
  annotations: RunAnnotations;
  findings: FindingsProvider;
  findingsView: vscode.TreeView<unknown>;
}

/**
 * The run's findings where the user works: diagnostics and decorations in the editor, the
 * Findings view, and the "Run with mpscope" CodeLens above the main guard.
 */
export function registerFindings(ctx: MpscopeContext, state: RunState): FindingsHandles {
  const annotations = ctx.track(new RunAnnotations(ctx, state));
  const findings = ctx.track(new FindingsProvider(state));
  const findingsView = ctx.track(
    vscode.window.createTreeView('mpscope.findings', { treeDataProvider: findings, showCollapseAll: true }),
  ) as vscode.TreeView<unknown>;
  const updateBadge = () => {
    const n = state.report?.findings.length ?? 0;
    findingsView.badge = n > 0 ? { value: n, tooltip: findingsBadgeTooltip(n, state.live) } : undefined;
    findingsView.message = findingsMessage({ live: state.live, script: state.script, findings: state.report?.findings.length });
  };
  ctx.track(state.onDidChange(updateBadge));
  updateBadge();
  ctx.registerCommand(REVEAL_COMMAND, async (file: unknown, line: unknown) => {
    if (typeof file !== 'string' || typeof line !== 'number') throw new Error('no source line to open');
    await revealLocation(file, line);
  });
  const lens = ctx.track(new MainGuardCodeLens());
  ctx.track(vscode.languages.registerCodeLensProvider({ language: 'python', scheme: 'file' }, lens));
  return { annotations, findings, findingsView };
}
