// Parsers for the Linux /proc files mpscope reads. Pure functions over strings and buffers, so
// the odd cases (names with spaces and parentheses, zombies, kernel threads) are unit-tested.
import type { ProcessState } from '../types';

/** The fields of /proc/<pid>/stat that mpscope uses (see proc_pid_stat(5)). */
export interface StatFields {
  pid: number;
  comm: string;
  stateCode: string;
  ppid: number;
  pgid: number;
  sid: number;
  flags: number;
  /** User and system time, in clock ticks. */
  utime: number;
  stime: number;
  threads: number;
  /** Start time after boot, in clock ticks (field 22). */
  startTicks: number;
  /** Resident set size in pages (field 24). */
  rssPages: number;
  /** Fields 26 and 28: change on every execve (with ASLR), so they tell a cached command line is stale. */
  startCode: number;
  startStack: number;
}

/** PF_KTHREAD from include/linux/sched.h: set in `flags` (field 9) for kernel threads. */
export const PF_KTHREAD = 0x00200000;

/**
 * Parses one /proc/<pid>/stat line. The second field, `comm`, is in parentheses and may itself
 * contain spaces, parentheses and even newlines (a process can name itself anything), so it runs
 * from the first '(' to the LAST ')'. Returns undefined for a line that is not a stat line.
 */
export function parseStatLine(line: string): StatFields | undefined {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 1 || close < open) return undefined;
  const pid = Number(line.slice(0, open).trim());
  if (!Number.isInteger(pid)) return undefined;
  // Fields 3..28 follow ") ", one space apart. Walk them with indexOf instead of split(): this
  // runs for every process on every refresh, and the 24 fields after 28 are never needed.
  const fields: string[] = [];
  let at = close + 2;
  while (fields.length < 26) {
    const next = line.indexOf(' ', at);
    if (next < 0) {
      const last = line.slice(at).trim();
      if (last) fields.push(last);
      break;
    }
    fields.push(line.slice(at, next));
    at = next + 1;
  }
  if (fields.length < 22) return undefined;
  const num = (field: number): number => {
    // `field` is the 1-based field number of proc_pid_stat(5); fields[0] is field 3.
    const v = Number(fields[field - 3]);
    return Number.isFinite(v) ? v : 0;
  };
  return {
    pid,
    comm: line.slice(open + 1, close),
    stateCode: fields[0],
    ppid: num(4),
    pgid: num(5),
    sid: num(6),
    flags: num(9),
    utime: num(14),
    stime: num(15),
    threads: num(20),
    startTicks: num(22),
    rssPages: num(24),
    startCode: num(26),
    startStack: num(28),
  };
}

const STATE_NAMES: Record<string, ProcessState> = {
  R: 'running',
  S: 'sleeping',
  D: 'disk-sleep',
  Z: 'zombie',
  T: 'stopped',
  t: 'tracing-stop',
  X: 'dead',
  x: 'dead',
  I: 'idle',
  P: 'parked',
  W: 'waking',
  K: 'waking',
};

/** Maps a Linux/BSD state letter (`S`, `Z`, `Ss+`...) to a state name. */
export function stateFromCode(code: string | undefined): ProcessState {
  if (!code) return 'unknown';
  return STATE_NAMES[code[0]] ?? 'unknown';
}

/** /proc/<pid>/cmdline: arguments separated and (usually) ended by NUL. Empty for zombies and kernel threads. */
export function parseCmdline(raw: string): string[] {
  if (raw.length === 0) return [];
  const trimmed = raw.endsWith('\0') ? raw.slice(0, -1) : raw;
  return trimmed.split('\0');
}

/** The effective uid from /proc/<pid>/status ("Uid:\treal\teffective\tsaved\tfs"). */
export function parseStatusUid(status: string): number | undefined {
  const m = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status);
  return m ? Number(m[2]) : undefined;
}

/** `btime` (boot time, epoch seconds) from /proc/stat. */
export function parseBootTime(procStat: string): number | undefined {
  const m = /^btime\s+(\d+)/m.exec(procStat);
  return m ? Number(m[1]) : undefined;
}

/** uid -> user name from /etc/passwd lines (`name:x:uid:gid:...`); malformed lines are skipped. */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(':');
    if (parts.length < 3) continue;
    const uid = Number(parts[2]);
    if (parts[0] && Number.isInteger(uid) && !users.has(uid)) users.set(uid, parts[0]);
  }
  return users;
}

/** ELF auxiliary vector keys (include/uapi/linux/auxvec.h). */
export const AT_PAGESZ = 6;
export const AT_CLKTCK = 17;

/**
 * Reads (type, value) pairs from /proc/self/auxv: the kernel's own page size and clock-tick
 * rate, which is what `getconf PAGESIZE` and `getconf CLK_TCK` report, without a child process.
 */
export function parseAuxv(buf: Buffer, wordBytes: 4 | 8, littleEndian: boolean): Map<number, number> {
  const out = new Map<number, number>();
  const pair = wordBytes * 2;
  for (let off = 0; off + pair <= buf.length; off += pair) {
    const read = (at: number): number =>
      wordBytes === 8
        ? Number(littleEndian ? buf.readBigUInt64LE(at) : buf.readBigUInt64BE(at))
        : littleEndian
          ? buf.readUInt32LE(at)
          : buf.readUInt32BE(at);
    const type = read(off);
    if (type === 0) break; // AT_NULL ends the vector
    out.set(type, read(off + wordBytes));
  }
  return out;
}
