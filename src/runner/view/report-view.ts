// Everything the run report webview draws, computed outside the webview: the header, the list of
// findings, the wait-for graph and the timeline. The webview only lays it out, so the logic is
// tested here in plain Node, and the message posted to the webview is plain JSON.
import { type ReportModel, type Severity, type SourceLocation, countKind, groupFindings } from './model';
import { type WaitForGraph, buildWaitForGraph, formatLocation } from './graph';
import { type TimelineModel, buildTimeline, formatMs } from './timeline';

export interface ReportViewFinding {
  id: string;
  kind: string;
  severity: Severity;
  message: string;
  /** "deadlock.py:14", where clicking leads. */
  where: string;
  location?: SourceLocation;
}

export interface ReportView {
  /** "deadlock.py" */
  scriptName: string;
  script: string;
  /** The interpreter the run used, when the report says. */
  python?: string;
  /** "exit 0 · 2.4 s · 3 processes", or "running · 3 live processes". */
  status: string;
  /** The run is still going (the report is a live snapshot, e.g. a deadlock kept alive). */
  live: boolean;
  /** Counts per kind, e.g. [{title:'Deadlocks', text:'1 deadlock', count:1, severity:'error'}]. */
  summary: Array<{ kind: string; title: string; text: string; count: number; severity: Severity }>;
  findings: ReportViewFinding[];
  graph: WaitForGraph;
  timeline: TimelineModel;
}

function basename(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

const worst = (a: Severity, b: Severity): Severity =>
  a === 'error' || b === 'error' ? 'error' : a === 'warning' || b === 'warning' ? 'warning' : 'info';

export function buildReportView(model: ReportModel, options: { live?: boolean } = {}): ReportView {
  const userProcesses = model.processes.filter((p) => !p.helper);
  const alive = userProcesses.filter((p) => p.endMs === undefined && (p.exitCode === undefined || p.exitCode === null));
  const live = options.live ?? false;
  const outcome = live
    ? 'running'
    : model.signal
      ? `killed by ${model.signal}`
      : model.exitCode !== null
        ? `exit ${model.exitCode}`
        : 'ended';
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 'es'}`;
  const status = [
    outcome,
    formatMs(model.durationMs),
    count(userProcesses.length, 'process'),
    ...(live ? [`${alive.length} alive`] : []),
  ].join(' · ');
  const groups = groupFindings(model.findings);
  return {
    scriptName: basename(model.script) || 'script',
    script: model.script,
    python: model.python,
    status,
    live,
    summary: groups.map((g) => ({
      kind: g.kind,
      title: g.title,
      text: countKind(g.kind, g.findings.length),
      count: g.findings.length,
      severity: g.findings.map((f) => f.severity).reduce(worst, 'info'),
    })),
    findings: groups.flatMap((g) =>
      g.findings.map((f) => {
        // Lead to where something happens (a wait, a traceback) rather than to an explanation.
        const primary =
          f.waits.find((w) => w.site)?.site ??
          f.locations.find((l) => l.role === 'waits' || l.role === 'traceback') ??
          f.locations[0];
        return {
          id: f.id,
          kind: f.kind,
          severity: f.severity,
          message: f.message,
          where: formatLocation(primary),
          location: primary,
        };
      }),
    ),
    graph: buildWaitForGraph(model),
    timeline: buildTimeline(model),
  };
}
