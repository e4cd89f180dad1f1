// What the integrations features (issue 9) show to extension tests through MpscopeApi: the
// attach path of "Attach Python Debugger" without its install check (the offline VS Code has no
// Python Debugger extension), and the state of terminal following.
import type { MpscopeContext } from '../context';
import { resolveTarget, startAttach, type AttachOutcome } from '../debug';
import type { AttachTarget } from '../debug/attach-config';
import { terminalApplied, terminalFollowingState, type TerminalFollowingState } from '.';

export interface IntegrationsApi {
  /** Builds the debugpy attach configuration for `target` and hands it to vscode.debug.startDebugging. */
  startAttach(target: AttachTarget): Promise<AttachOutcome>;
  /** What "Attach Python Debugger" reads from a row of the Processes view (its element id). */
  resolveAttachTarget(row: unknown): AttachTarget | undefined;
  /** Terminal following now: its channel and the programs it follows. */
  terminal(): TerminalFollowingState;
  /** Resolves once the latest change of `mpscope.terminal.injectAgent` has been applied. */
  terminalSettled(): Promise<void>;
}

export function integrationsApi(ctx: MpscopeContext): IntegrationsApi {
  return {
    startAttach: (target) => startAttach(ctx, target),
    resolveAttachTarget: (row) => resolveTarget(ctx, row),
    terminal: () => terminalFollowingState(),
    terminalSettled: () => terminalApplied(),
  };
}
