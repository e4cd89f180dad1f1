// The lifecycle detector: every finding rule of the runner, run once the run has ended.
import type { Detector } from '../detector';
import type { Session } from '../session';
import type { Finding } from './types';
import type { FindingContext } from './context';
import { unjoinedFindings } from './unjoined';
import { zombieFindings } from './zombie';
import { orphanFindings } from './orphan';
import { childExceptionFindings } from './childException';
import { leakedShmFindings } from './leakedShm';
import { runOutcomeFindings } from './runOutcome';
import { PauseRecorder } from './parentPauses';

export const LIFECYCLE_RULES: Array<(ctx: FindingContext) => Finding[]> = [
  runOutcomeFindings,
  childExceptionFindings,
  unjoinedFindings,
  zombieFindings,
  orphanFindings,
  leakedShmFindings,
];

export function lifecycleFindings(ctx: FindingContext): Finding[] {
  return LIFECYCLE_RULES.flatMap((rule) => rule(ctx));
}

export function createLifecycleDetector(): Detector {
  // Stops and CPU starvation of parents can only be seen while the run lasts.
  const pauses = new PauseRecorder();
  return {
    name: 'lifecycle',
    attach(session: Session) {
      pauses.attach(session);
    },
    finish(session: Session) {
      pauses.dispose();
      const ctx = session.findingContext();
      return lifecycleFindings({ ...ctx, pauses: pauses.result(ctx.endedAt) });
    },
  };
}

export type { Finding, FindingLocation, Severity } from './types';
