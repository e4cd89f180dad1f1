// The run report: the CLI's --json output and --report file (contract version 1), the input of
// the VS Code views (src/runner/view/model.ts normalises it) and of the SARIF writer.
import type { AgentLocation } from './protocol';
import { joinStatus, type ProcessRecord } from './model';
import type { Session } from './session';
import { signalName } from './findings/context';
import { SEVERITY_ORDER, type Finding } from './findings/types';

export interface ReportLocation {
  file: string;
  line: number;
  function?: string;
}

export interface ReportProcess {
  pid: number;
  /** The process that started it (its logical parent), else its OS parent. */
  ppid: number | null;
  /** Its parent in the OS when it started (a forkserver child's is the forkserver). */
  osPpid: number | null;
  /** multiprocessing name ("Process-1", "SpawnPoolWorker-2"), or the command name. */
  name: string;
  /** main, child (multiprocessing Process), worker (Pool/executor), fork, subprocess, helper. */
  role: string;
  /** A multiprocessing helper (resource tracker, forkserver, manager server): not the user's child. */
  helper: boolean;
  helperKind: string | null;
  /** The mpscope agent ran in it. */
  python: boolean;
  argv: string[];
  startSite: ReportLocation | null;
  startMethod: string | null;
  /** Epoch milliseconds. */
  startTime: number | null;
  endTime: number | null;
  exitCode: number | null;
  signal: string | null;
  daemon: boolean | null;
  /** The program joined it (explicitly, or through its Pool/executor). */
  joined: boolean;
  /** explicit, at-exit, terminated-at-exit, reaped, never; null for non-multiprocessing processes. */
  joinedHow: string | null;
  /** Re-parented to mpscope's supervisor after its parent died. */
  adopted: boolean;
}

export interface RunReport {
  version: 1;
  script: string;
  args: string[];
  python: string;
  cwd: string;
  startMethod: string | null;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  startedAt: number;
  endedAt: number;
  /** Set when mpscope stopped the run: timeout, stop, limit, leftover, deadlock... */
  stopped: { reason: string; atMs: number | null } | null;
  processes: ReportProcess[];
  findings: Finding[];
  /** Problems of mpscope itself in this run (agent errors, protocol errors). */
  agentErrors: string[];
}

function site(s: AgentLocation | null): ReportLocation | null {
  if (!s) return null;
  const out: ReportLocation = { file: s.file, line: s.line };
  if (s.function) out.function = s.function;
  return out;
}

function joinedHow(p: ProcessRecord): string | null {
  if (p.startKind === null || p.startKind === 'fork' || p.startKind === 'popen') return null;
  return joinStatus(p, p.startedBy);
}

function processEntry(p: ProcessRecord, session: Session): ReportProcess {
  const how = joinedHow(p);
  return {
    pid: p.pid,
    ppid: p.startedBy ?? (p.osPpid === session.model.supervisorPid ? null : p.osPpid),
    osPpid: p.osPpid === session.model.supervisorPid ? null : p.osPpid,
    name: p.name ?? p.comm ?? (p.role === 'main' ? 'MainProcess' : `pid ${p.pid}`),
    role: p.role,
    helper: p.role === 'helper',
    helperKind: p.helper,
    python: p.python,
    argv: p.argv,
    startSite: site(p.startSite),
    startMethod: p.startMethod,
    startTime: p.startTime,
    endTime: session.model.exitTime(p) ?? p.endTime,
    exitCode: p.exitCode,
    signal: p.signal !== null ? signalName(p.signal) : null,
    daemon: p.daemon,
    joined: how === 'explicit',
    joinedHow: how,
    adopted: p.adopted,
  };
}

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}

export function buildReport(session: Session): RunReport {
  const { model } = session;
  const main = model.mainPid !== null ? model.processes.get(model.mainPid) : undefined;
  const stopped = session.stopReason
    ? { reason: session.stopReason, atMs: model.stop ? model.stop.ts - session.startedAt : null }
    : null;
  return {
    version: 1,
    script: session.script,
    args: session.options.args ?? [],
    python: session.python,
    cwd: session.options.cwd ?? process.cwd(),
    startMethod: session.options.startMethod ?? null,
    exitCode: main?.exitCode ?? null,
    signal: main?.signal !== null && main?.signal !== undefined ? signalName(main.signal) : null,
    durationMs: Math.max(0, session.endedAt - session.startedAt),
    startedAt: session.startedAt,
    endedAt: session.endedAt,
    stopped,
    processes: model.all().map((p) => processEntry(p, session)),
    findings: sortFindings(session.findings),
    agentErrors: [...model.agentErrors],
  };
}

/** Findings that make the CLI exit with status 1. */
export function hasProblems(report: RunReport): boolean {
  return report.findings.some((f) => f.severity === 'error' || f.severity === 'warning');
}
