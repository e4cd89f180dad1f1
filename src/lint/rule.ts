// The contract every rule implements, and what a finding looks like.
import type { Model } from './model';
import type { TextEdit } from './text';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'information', 'hint'];

/** A code action: edits to the file, in offsets of the text that was linted. */
export interface Fix {
  title: string;
  edits: TextEdit[];
}

export interface RelatedLocation {
  start: number;
  end: number;
  message: string;
}

export interface Finding {
  code: string;
  /** Short name of the rule (`missing-main-guard`). */
  name: string;
  message: string;
  start: number;
  end: number;
  severity: Severity;
  related?: RelatedLocation[];
  fixes?: Fix[];
}

/** How processes start, as far as the rules can tell (settings, or what the file itself asks for). */
export type StartMethod = 'fork' | 'spawn' | 'forkserver';

export interface RuleContext {
  readonly model: Model;
  /** Start method assumed for severity decisions that depend on it. */
  readonly startMethod: StartMethod;
  /** Whether the start method came from settings/the file (true) or from the platform default. */
  readonly startMethodExplicit: boolean;
  /** File path, when known (e.g. `__main__.py` of a package is exempt from the main guard rule). */
  readonly path?: string;
  report(finding: Omit<Finding, 'code' | 'name' | 'severity'> & { severity?: Severity }): void;
}

export interface Rule {
  /** Stable code, MP001... */
  code: string;
  /** Short kebab-case name. */
  name: string;
  /** One line for tables and `--help`. */
  summary: string;
  /** Default severity; a rule may report some findings at another one (see its doc page). */
  severity: Severity;
  check(ctx: RuleContext): void;
}
