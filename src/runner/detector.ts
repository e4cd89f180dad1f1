// A detector turns what a session observed into findings. The lifecycle detectors of
// src/runner/findings/ and the deadlock detector (src/runner/deadlock/, issue 5) all implement
// this. attach() runs before the script starts: subscribe to session events there
// (session.on('msg:<kind>', ...), 'process', 'end'), and call session.request()/stop() if needed.
// finish() runs once the run has ended, when the process model is complete.
import type { Finding } from './findings/types';
import type { Session } from './session';

export interface Detector {
  name: string;
  attach?(session: Session): void;
  finish(session: Session): Finding[] | Promise<Finding[]>;
}
