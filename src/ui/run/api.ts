import type { MpscopeContext } from '../context';
import type { RunState } from './state';
import type { RunController } from './controller';
import type { ReportPanel } from '../report/report-panel';
import type { RunStatusBar } from './status-bar';
import type { ShownDecoration } from '../findings/annotations';
import type { FindingsRow } from '../findings/findings-view';
import type { RunRow } from './run-node';

/** What the extension tests can see of the run feature (MpscopeApi.run). */
export interface RunApi {
  readonly state: RunState;
  readonly controller: RunController;
  readonly report: ReportPanel;
  readonly status: RunStatusBar;
  /** The end-of-line decorations as shown (vscode cannot read decorations back). */
  decorations(): ShownDecoration[];
  /** The Findings view as the user reads it. */
  findingsRows(): FindingsRow[];
  /** The Findings view's message (shown above its tree), if any. */
  findingsMessage(): string | undefined;
  /** The "Run: script.py" node of the Processes view as the user reads it. */
  runRows(): RunRow[];
}

const apis = new WeakMap<MpscopeContext, RunApi>();

export function setRunApi(ctx: MpscopeContext, api: RunApi): void {
  apis.set(ctx, api);
}

export function getRunApi(ctx: MpscopeContext): RunApi | undefined {
  return apis.get(ctx);
}
