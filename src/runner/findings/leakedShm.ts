// `leaked-shm`: a SharedMemory block created and never unlinked (by any process of the run).
// It outlives the program in /dev/shm; the resource tracker may remove it at exit, with a warning.
import type { Finding } from './types';
import { type FindingContext, loc, where } from './context';

export function leakedShmFindings(ctx: FindingContext): Finding[] {
  const out: Finding[] = [];
  for (const s of ctx.model.shm.values()) {
    const create = s.events.find((e) => e.op === 'create');
    if (!create || s.events.some((e) => e.op === 'unlink')) continue;
    const creator = ctx.model.processes.get(create.pid);
    if (creator?.role === 'helper') continue; // e.g. a SharedMemoryManager's server: it unlinks on shutdown
    const size = s.size ? ` (${s.size} bytes)` : '';
    out.push({
      kind: 'leaked-shm',
      severity: 'warning',
      message: `Shared memory block '${s.name}'${size}, created at ${where(create.site)}, was never unlinked: it stays in /dev/shm after the program ends (call unlink() once, when no process needs it, e.g. in a finally block).`,
      pids: [...new Set(s.events.map((e) => e.pid))],
      locations: loc(create.site, create.pid, 'create'),
    });
  }
  return out;
}
