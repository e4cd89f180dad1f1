// The readable summary the CLI prints on stderr after the script's own output.
import * as path from 'path';
import type { RunReport } from './report';

export function formatSummary(report: RunReport): string {
  const lines: string[] = [];
  const script = path.basename(report.script);
  const ended = report.signal
    ? `was killed by ${report.signal}`
    : report.exitCode !== null
      ? `exited with code ${report.exitCode}`
      : 'ended';
  const helpers = report.processes.filter((p) => p.helper).length;
  const procs = report.processes.length;
  const stopped = report.stopped ? ` (stopped by mpscope: ${report.stopped.reason})` : '';
  lines.push(
    `mpscope: ${script} ${ended} after ${(report.durationMs / 1000).toFixed(2)} s${stopped}; ` +
      `${procs} process${procs === 1 ? '' : 'es'}${helpers ? ` (${helpers} helper${helpers === 1 ? '' : 's'})` : ''}`,
  );
  for (const f of report.findings) {
    lines.push(`  ${f.severity} ${f.kind}: ${f.message}`);
    for (const l of f.locations) {
      lines.push(`      at ${l.file}:${l.line}${l.pid !== null ? ` (pid ${l.pid}, ${l.role})` : ` (${l.role})`}`);
    }
  }
  const count = (s: string) => report.findings.filter((f) => f.severity === s).length;
  const errors = count('error');
  const warnings = count('warning');
  const infos = count('info');
  if (report.findings.length === 0) lines.push('mpscope: no findings');
  else {
    const parts = [
      errors ? `${errors} error${errors === 1 ? '' : 's'}` : '',
      warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : '',
      infos ? `${infos} note${infos === 1 ? '' : 's'}` : '',
    ].filter(Boolean);
    lines.push(`mpscope: ${parts.join(', ')}`);
  }
  for (const e of report.agentErrors) lines.push(`mpscope: note: ${e}`);
  return lines.join('\n') + '\n';
}
