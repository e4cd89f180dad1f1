// What the runner reports: findings with a kind, a severity, a message a person understands,
// the pids involved, and source locations (file, line, pid, role).

export type Severity = 'error' | 'warning' | 'info';

export interface FindingLocation {
  /** Absolute path. */
  file: string;
  /** 1-based line. */
  line: number;
  /** The process whose code this is (null when not known). */
  pid: number | null;
  /** What happens there: start, join, exception, parent-exit, create, reaped, ... */
  role: string;
  function?: string;
}

export interface Finding {
  kind: string;
  severity: Severity;
  message: string;
  pids: number[];
  locations: FindingLocation[];
  /** Kind-specific details (e.g. the deadlock's waits, cycle and stacks). */
  details?: Record<string, unknown>;
}

export const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
