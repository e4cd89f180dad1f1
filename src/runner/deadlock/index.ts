// Deadlock detection (issue 5; owned by the deadlock engineer). A first, empty version so that
// the runner's wiring is in place: the detector is attached to every session
// (src/runner/detectors.ts) and reads session.options.hangTimeoutMs / onDeadlock.
import type { Detector } from '../detector';

export function createDeadlockDetector(): Detector {
  return {
    name: 'deadlock',
    attach() {
      // Subscribe here, e.g. session.on('msg:<wait kind>', ...), and confirm with
      // session.dumpStacks(pid) before reporting.
    },
    finish() {
      return [];
    },
  };
}
