// What every finding rule gets, and the small helpers they share for readable messages.
import * as os from 'os';
import * as path from 'path';
import type { AgentLocation } from '../protocol';
import type { ProcessRecord, RunModel } from '../model';
import type { FindingLocation } from './types';
import type { ParentPauses } from './parentPauses';

export interface FindingContext {
  model: RunModel;
  /** Why mpscope stopped the run (timeout, limit, stop, leftover), or null if it ended by itself. */
  stopReason: string | null;
  stopAt: number | null;
  /** When the run ended (epoch ms). */
  endedAt: number;
  zombieThresholdMs: number;
  timeoutMs: number | null;
  /** When processes were stopped or starved of CPU (recorded live by the lifecycle detector). */
  pauses?: ParentPauses;
}

const SIGNAL_NAMES = new Map<number, string>(
  Object.entries(os.constants.signals).map(([name, num]) => [num as number, name]),
);

export function signalName(n: number): string {
  return SIGNAL_NAMES.get(n) ?? `signal ${n}`;
}

export function label(p: ProcessRecord): string {
  if (p.name) return `${p.name} (pid ${p.pid})`;
  if (p.comm) return `pid ${p.pid} (${p.comm})`;
  return `pid ${p.pid}`;
}

/** "script.py:12" */
export function where(site: AgentLocation | null | undefined): string {
  return site ? `${path.basename(site.file)}:${site.line}` : 'an unknown place';
}

export function loc(site: AgentLocation | null | undefined, pid: number | null, role: string): FindingLocation[] {
  if (!site || !site.file || site.file.startsWith('<') || !(site.line >= 1)) return [];
  const l: FindingLocation = { file: site.file, line: site.line, pid, role };
  if (site.function) l.function = site.function;
  return [l];
}

export function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** How a process ended, in words: "exited with code 1", "was killed by SIGTERM". */
export function howEnded(p: ProcessRecord): string {
  if (p.signal !== null) return `was killed by ${signalName(p.signal)}`;
  if (p.exitCode !== null) return `exited with code ${p.exitCode}`;
  return 'exited';
}

/** A process the user started (not a multiprocessing helper, not mpscope's supervisor). */
export function isUsers(ctx: FindingContext, p: ProcessRecord): boolean {
  return p.role !== 'helper' && p.pid !== ctx.model.supervisorPid;
}

/** mpscope's own stop (timeout, limit, Stop) ended it: not something to blame on the program. */
export function stoppedByUs(ctx: FindingContext, p: ProcessRecord): boolean {
  return p.killedByRunner && ctx.stopReason !== null && ctx.stopReason !== 'leftover';
}
