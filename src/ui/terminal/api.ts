// What the integrations features (issue 9) show to extension tests through MpscopeApi: the
// attach path of "Attach Python Debugger" without its install check (the offline VS Code has no
// Python Debugger extension), and the state of terminal following.
import type { MpscopeContext } from '../context';
import { startAttach, type AttachOutcome } from '../debug';
import type { AttachTarget } from '../debug/attach-config';

export interface IntegrationsApi {
  /** Builds the debugpy attach configuration for `target` and hands it to vscode.debug.startDebugging. */
  startAttach(target: AttachTarget): Promise<AttachOutcome>;
}

export function integrationsApi(ctx: MpscopeContext): IntegrationsApi {
  return {
    startAttach: (target) => startAttach(ctx, target),
  };
}
