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
  return {
    name: 'lifecycle',
    finish(session: Session) {
      return lifecycleFindings(session.findingContext());
    },
  };
}

export type { Finding, FindingLocation, Severity } from './types';
