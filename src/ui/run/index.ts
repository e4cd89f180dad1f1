import * as vscode from 'vscode';
import type { MpscopeContext } from '../context';
import { RunState } from './state';
import { RunController } from './controller';
import { RunStatusBar } from './status-bar';
import { registerRunCommands } from './commands';
import { MpscopeTaskProvider, TASK_TYPE } from './tasks';
import { createRunnerBackend } from './runner-backend';
import { registerFindings } from '../findings';
import { processesApi } from '../processes';
import { RunNodes } from './run-node';
import { ReportPanel } from '../report/report-panel';
import type { RunApi } from './api';
import { setRunApi } from './api';
import { disposeWarmSupervisors } from '../../runner/warmSupervisor';

/**
 * Feature (issue 6): run a Python file with mpscope from the editor, and see what the run found
 * where the user works: terminal, status bar, diagnostics, decorations, Findings view, report.
 */
export function registerRun(ctx: MpscopeContext): void {
  const state = ctx.track(new RunState());
  const findings = registerFindings(ctx, state);
  const report = ctx.track(new ReportPanel(ctx, state));
  const backend = createRunnerBackend(ctx);
  // The supervisor kept ready for the next run (runner-backend.ts) goes with the extension.
  ctx.track({ dispose: disposeWarmSupervisors });
  const controller = ctx.track(new RunController(ctx, state, backend));
  const status = ctx.track(new RunStatusBar(state, () => controller.liveCount()));
  ctx.track(controller.onDidChangeProcesses(() => status.update()));
  // The "Run: script.py" node at the top of the Processes view.
  const runNodes = ctx.track(new RunNodes(state, controller));
  ctx.track(vscode.window.registerFileDecorationProvider(runNodes));
  const processes = processesApi();
  if (processes) ctx.track(processes.provider.setRunNodeSource(runNodes));
  else ctx.log.warn('run: the Processes view is not available; the run node will not be shown');
  registerRunCommands(ctx, state, controller, report);
  ctx.track(vscode.tasks.registerTaskProvider(TASK_TYPE, new MpscopeTaskProvider(ctx, controller)));
  const api: RunApi = {
    state,
    controller,
    report,
    status,
    decorations: () => findings.annotations.shownDecorations(),
    findingsRows: () => findings.findings.rows(),
    findingsMessage: () => findings.findingsView.message,
    runRows: () => runNodes.rows(),
  };
  setRunApi(ctx, api);
}
