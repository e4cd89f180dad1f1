// Synthetic snapshots for the unit tests of the model: records with sensible defaults.
import type { ProcessRecord, SourceCapabilities } from '../../../src/procs';

export const PROCFS_CAPS: SourceCapabilities = {
  state: 'full',
  threads: true,
  rssBytes: true,
  intervalCpu: true,
  sessions: true,
  exactStartTime: true,
  exactArgv: true,
};

export const PSLIST_CAPS: SourceCapabilities = {
  state: 'zombie-only',
  threads: false,
  rssBytes: false,
  intervalCpu: false,
  sessions: false,
  exactStartTime: false,
  exactArgv: false,
};

export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

/** A record; `start` is seconds after T0. */
export function rec(pid: number, ppid: number, command: string, more: Partial<ProcessRecord> & { start?: number } = {}): ProcessRecord {
  const { start = pid / 1000, ...rest } = more;
  const argv = command ? command.split(' ') : [];
  return {
    pid,
    ppid,
    startToken: String(Math.round(start * 100)),
    startTime: T0 + start * 1000,
    name: argv[0]?.split('/').pop() ?? 'x',
    argv,
    command,
    uid: 1000,
    user: 'me',
    state: 'sleeping',
    threads: 1,
    rssBytes: 10 * 1024 * 1024,
    cpuTimeMs: 0,
    pgid: pid,
    sid: pid,
    kernelThread: false,
    ...rest,
  };
}
