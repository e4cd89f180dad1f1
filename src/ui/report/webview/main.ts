/// <reference lib="dom" />
// The run report webview's script (bundled by esbuild into dist/report.js, an iife for the
// browser; it must never import `vscode`). It receives a ReportView from the extension, draws the
// header, the findings, the wait-for graph and the timeline, and asks the extension to open a
// source line when the user clicks something.
import type { SourceLocation } from '../../../runner/view/model';
import type { ReportView } from '../../../runner/view/report-view';
import type { FromWebview, RenderStats, ToWebview } from '../protocol';
import { el } from './dom';
import { GraphView } from './graph-view';
import { onThemeChange } from './theme';
import { renderTimeline } from './timeline-view';

declare function acquireVsCodeApi(): { postMessage(msg: unknown): void; setState(s: unknown): void; getState(): unknown };

const vscode = acquireVsCodeApi();
const post = (msg: FromWebview) => vscode.postMessage(msg);
const reveal = (location: SourceLocation) => post({ type: 'reveal', location });

const $ = (id: string) => document.getElementById(id)!;

const graphView = new GraphView({ container: $('graph'), info: $('graph-info'), onReveal: reveal });
let current: ReportView | undefined;

function renderHeader(view: ReportView): void {
  $('title').textContent = `Run report: ${view.scriptName}`;
  $('title').setAttribute('title', view.script);
  $('status').textContent = view.status;
  $('status').classList.toggle('live', view.live);
  // Which interpreter ran it: the setting, the Python extension's selection, or PATH (issue 9).
  $('python').textContent = view.python ? `Python: ${view.python}` : '';
  const summary = $('summary');
  summary.replaceChildren(
    ...(view.summary.length === 0
      ? [el('span', { class: 'chip ok' }, 'No findings')]
      : view.summary.map((s) => el('span', { class: `chip ${s.severity}` }, s.text))),
  );
}

function renderFindings(view: ReportView): void {
  const list = $('findings');
  list.replaceChildren(
    ...view.findings.map((f) => {
      const where = f.location
        ? el('a', { href: '#', class: 'where', title: f.location.file }, f.where)
        : el('span', { class: 'where' });
      if (f.location) {
        const loc = f.location;
        where.addEventListener('click', (e) => {
          e.preventDefault();
          reveal(loc);
        });
      }
      // Messages can be long (a deadlock names every wait): they get a line of their own.
      return el(
        'li',
        { class: `finding ${f.severity}`, 'data-kind': f.kind },
        el(
          'div',
          { class: 'finding-head' },
          // A coloured dot drawn by CSS: no icon font or emoji needed inside the webview.
          el('span', { class: `sev ${f.severity}`, role: 'img', 'aria-label': f.severity, title: f.severity }),
          el('span', { class: 'kind' }, f.kind),
          where,
        ),
        el('div', { class: 'message' }, f.message),
      );
    }),
  );
  $('findings-section').hidden = view.findings.length === 0;
}

function render(view: ReportView): void {
  current = view;
  $('empty').hidden = true;
  $('content').hidden = false;
  renderHeader(view);
  renderFindings(view);
  const hasGraph = view.graph.nodes.length > 0;
  $('graph-section').hidden = !hasGraph;
  if (hasGraph) graphView.render(view.graph);
  const marks = renderTimeline($('timeline'), view.timeline, reveal);
  const colors = graphView.themeColors;
  const stats: RenderStats = {
    nodes: hasGraph ? view.graph.nodes.length : 0,
    edges: hasGraph ? view.graph.edges.length : 0,
    cycleNodes: view.graph.nodes.filter((n) => n.inCycle).length,
    cycleEdges: view.graph.edges.filter((e) => e.inCycle).length,
    lanes: view.timeline.lanes.length,
    marks,
    findings: view.findings.length,
    colors: { foreground: colors.foreground, background: colors.background, cycle: colors.cycle },
  };
  post({ type: 'rendered', stats });
}

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
  const msg = event.data;
  try {
    if (msg?.type === 'report') {
      render(msg.view);
      vscode.setState({ view: msg.view });
    } else if (msg?.type === 'empty') {
      current = undefined;
      $('content').hidden = true;
      $('empty').hidden = false;
      $('empty').textContent = msg.message;
    }
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
});

onThemeChange(() => {
  graphView.restyle();
});

let resizeTimer: number | undefined;
window.addEventListener('resize', () => {
  window.clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    if (!current) return;
    graphView.resize();
    renderTimeline($('timeline'), current.timeline, reveal);
  }, 100);
});

// A webview restored after a reload draws its last report at once, then asks for a fresh one.
const saved = vscode.getState() as { view?: ReportView } | undefined;
if (saved?.view) render(saved.view);
post({ type: 'ready' });
