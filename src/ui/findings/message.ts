// What the Findings view says above its (empty) tree, and its badge's tooltip: true both while a
// run goes on and after it ended. No vscode import, so that it is tested without an editor.
import * as path from 'path';

/** What the words depend on, read from the RunState. */
export interface FindingsViewState {
  /** The run's processes are still running. */
  live: boolean;
  /** Absolute path of the current or last run's script. */
  script: string | undefined;
  /** Findings in the latest report; undefined before the first report of the run. */
  findings: number | undefined;
}

/** The view's message, or undefined when the tree (its findings, or the welcome text) says it all. */
export function findingsMessage(s: FindingsViewState): string | undefined {
  if (s.live) {
    // Live snapshots may already list findings; until one does, the run is not finished yet.
    if ((s.findings ?? 0) > 0) return undefined;
    return `Running ${s.script ? path.basename(s.script) : 'the script'}... no findings yet.`;
  }
  // A run that never started has no report: nothing to say about its findings.
  return s.findings === 0 ? 'The last run had no findings.' : undefined;
}

/** The tooltip of the view's badge (the number of findings). */
export function findingsBadgeTooltip(n: number, live: boolean): string {
  const what = `${n} finding${n === 1 ? '' : 's'}`;
  return live ? `${what} so far in the running mpscope run` : `${what} in the last mpscope run`;
}
