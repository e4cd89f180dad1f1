// Adapts the runner (src/runner) to the editor's RunBackend. Until the runner's session API
// lands, there is no backend: run commands then say so in one line.
import type { MpscopeContext } from '../context';
import type { RunBackend } from './backend';

export function createRunnerBackend(_ctx: MpscopeContext): RunBackend | undefined {
  return undefined;
}
