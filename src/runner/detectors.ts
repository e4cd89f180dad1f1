// The detectors every session runs. Add a detector here (one line).
import type { Detector } from './detector';
import { createLifecycleDetector } from './findings';
import { createDeadlockDetector } from './deadlock';

export function defaultDetectors(): Detector[] {
  return [createLifecycleDetector(), createDeadlockDetector()];
}
