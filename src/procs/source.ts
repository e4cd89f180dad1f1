// Picks the process back end for this machine: /proc where Linux has it, ps-list elsewhere.
import { ProcfsSource } from './procfs/procfsSource';
import { PsListSource } from './pslist/pslistSource';
import type { ProcessSource } from './types';

export type SourceId = ProcessSource['id'];

/** The back end for this machine, or the one asked for (tests run the shared suite on both). */
export function createProcessSource(id?: SourceId): ProcessSource {
  if (id === 'ps-list') return new PsListSource();
  if (id === 'procfs') return new ProcfsSource();
  return process.platform === 'linux' && ProcfsSource.available() ? new ProcfsSource() : new PsListSource();
}
