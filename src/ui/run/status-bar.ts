import * as vscode from 'vscode';
import type { RunState } from './state';
import { SHOW_REPORT_COMMAND } from '../report/report-panel';

/**
 * The run in the status bar: the number of live processes while it runs, a red deadlock marker
 * when one is found, the outcome after it ends. A click opens the run report.
 */
export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('mpscope.run', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly state: RunState,
    private readonly liveCount: () => number,
  ) {
    this.item.name = 'mpscope Run';
    this.item.command = SHOW_REPORT_COMMAND;
    this.subscription = state.onDidChange(() => this.update());
    this.update();
  }

  /** What the item shows now, for tests. */
  get shown(): { text: string; tooltip: string; error: boolean; visible: boolean } {
    return {
      text: this.item.text,
      tooltip: typeof this.item.tooltip === 'string' ? this.item.tooltip : (this.item.tooltip?.value ?? ''),
      error: this.item.backgroundColor !== undefined,
      visible: this.visible,
    };
  }

  private visible = false;

  update(): void {
    const s = this.state;
    if (!s.script) {
      this.item.hide();
      this.visible = false;
      return;
    }
    const name = s.script.split(/[\\/]/).pop();
    const findings = s.report?.findings.length ?? 0;
    const deadlock = s.report?.findings.some((f) => f.kind === 'deadlock') ?? false;
    let text: string;
    if (s.live) {
      const n = this.liveCount();
      text = `$(pulse) ${n} live`;
    } else {
      const r = s.report;
      const outcome = r ? (r.signal ? r.signal : r.exitCode !== null ? `exit ${r.exitCode}` : 'ended') : 'ended';
      text = `$(debug-alt) ${outcome}`;
    }
    if (deadlock) text += ' $(debug-pause) deadlock';
    else if (findings > 0) text += ` $(warning) ${findings}`;
    this.item.text = `mpscope: ${text.trim()}`;
    // Only errorBackground/warningBackground are allowed for status bar items: red while a
    // deadlock holds the run's processes; after the run the marker stays, without the alarm.
    this.item.backgroundColor = deadlock && s.deadlockLive ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.tooltip =
      `mpscope run of ${name}` +
      (s.live ? ` (running, ${this.liveCount()} live processes)` : ' (ended)') +
      (deadlock ? '\nA deadlock was found: the processes are kept alive until you stop the run.' : '') +
      `\n${findings} finding${findings === 1 ? '' : 's'}. Click to open the run report.`;
    this.item.show();
    this.visible = true;
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
