import * as vscode from 'vscode';
import type { MpscopeContext } from '../context';
import type { RunState } from '../run/state';
import { revealLocation } from '../findings/findings-view';
import { buildReportView } from '../../runner/view/report-view';
import { reportHtml } from './html';
import type { FromWebview, RenderStats, ToWebview } from './protocol';

export const SHOW_REPORT_COMMAND = 'mpscope.showReport';

/**
 * The run report: one webview panel showing the wait-for graph and the timeline of the current
 * (or last) run. It follows the run: while open, every report update is posted to it.
 */
export class ReportPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private readonly renderedEmitter = new vscode.EventEmitter<RenderStats>();
  /** Fires each time the webview has drawn a report (tests wait on it). */
  readonly onDidRender = this.renderedEmitter.event;
  /** What the webview drew last. */
  lastRender: RenderStats | undefined;
  /** The last error the webview reported, if any. */
  lastError: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly ctx: MpscopeContext,
    private readonly state: RunState,
  ) {
    this.disposables.push(state.onDidChange(() => this.post()));
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** The page of the open panel (tests check its Content-Security-Policy). */
  get html(): string | undefined {
    return this.panel?.webview.html;
  }

  show(): void {
    if (this.panel) {
      this.panel.reveal(this.panel.viewColumn ?? vscode.ViewColumn.Beside, false);
      this.post();
      return;
    }
    const extensionUri = this.ctx.extension.extensionUri;
    const panel = vscode.window.createWebviewPanel(
      'mpscope.report',
      this.title(),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      {
        enableScripts: true,
        // Only the bundle and the stylesheet; nothing else of the disk is readable.
        localResourceRoots: [
          vscode.Uri.joinPath(extensionUri, 'dist'),
          vscode.Uri.joinPath(extensionUri, 'media', 'report'),
        ],
        retainContextWhenHidden: false,
      },
    );
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'activity-bar.svg');
    this.panel = panel;
    this.ready = false;
    panel.webview.html = reportHtml(panel.webview, extensionUri);
    panel.webview.onDidReceiveMessage((msg: FromWebview) => this.onMessage(msg), undefined, this.disposables);
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.ready = false;
    });
    // A hidden webview is destroyed (retainContextWhenHidden is off); when it comes back it
    // says 'ready' again and gets the current report.
  }

  private title(): string {
    const script = this.state.report?.script || this.state.script;
    return script ? `mpscope: ${script.split(/[\\/]/).pop()}` : 'mpscope: Run Report';
  }

  private async onMessage(msg: FromWebview): Promise<void> {
    switch (msg?.type) {
      case 'ready':
        this.ready = true;
        this.post();
        return;
      case 'reveal':
        if (msg.location?.file && msg.location.line > 0) {
          await revealLocation(msg.location.file, msg.location.line, vscode.ViewColumn.One);
        }
        return;
      case 'rendered':
        this.lastRender = msg.stats;
        this.lastError = undefined;
        this.renderedEmitter.fire(msg.stats);
        return;
      case 'error':
        this.lastError = msg.message;
        this.ctx.log.error(`report webview: ${msg.message}`);
        return;
    }
  }

  private post(): void {
    if (!this.panel || !this.ready) return;
    this.panel.title = this.title();
    const report = this.state.report;
    const msg: ToWebview = report
      ? { type: 'report', view: buildReportView(report, { live: this.state.live }) }
      : {
          type: 'empty',
          message: this.state.live
            ? 'The run has started; its report appears here as processes start and finish.'
            : 'No run yet. Run a Python file with mpscope to see its report here.',
        };
    void this.panel.webview.postMessage(msg);
  }

  dispose(): void {
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
    this.renderedEmitter.dispose();
  }
}
