// Messages between the run report webview and the extension. Plain JSON both ways; this file
// imports neither `vscode` nor the DOM, so both sides share it.
import type { SourceLocation } from '../../runner/view/model';
import type { ReportView } from '../../runner/view/report-view';

/** Extension -> webview. */
export type ToWebview = { type: 'report'; view: ReportView } | { type: 'empty'; message: string };

/** What the webview drew, reported back so tests (and the log) can see it without pixels. */
export interface RenderStats {
  nodes: number;
  edges: number;
  cycleNodes: number;
  cycleEdges: number;
  lanes: number;
  marks: number;
  findings: number;
  /** The colours the graph was drawn with, read from the theme's CSS variables. */
  colors: { foreground: string; background: string; cycle: string };
}

/** Webview -> extension. */
export type FromWebview =
  | { type: 'ready' }
  | { type: 'reveal'; location: SourceLocation }
  | { type: 'rendered'; stats: RenderStats }
  | { type: 'error'; message: string };
