// The Linux back end: one pass over /proc per snapshot, no child process.
//
// Per process and per refresh it reads one small file, /proc/<pid>/stat, which has everything
// that changes (state, ppid, CPU time, RSS, threads, start time, session). The command line and
// the uid barely change, so they are read once per process and cached, keyed by pid + start
// time + an "exec signature" (comm and two code addresses that change on every execve): a new
// process on a reused pid, or an exec, reads them again. A TTL bounds staleness (setproctitle,
// setuid).
//
// Even one stat read per process costs the kernel ~5-10 us, which for 1,000 processes at 1 Hz
// is most of a 1% CPU budget. So a caller may name the pids it cares about (`hot`: the ones on
// screen, their parents, zombies) and the ones to watch less closely (`warm`: other children of
// those, due again after 8-13 s); then the rest are served from the previous read for a while
// (due after 15-25 s; spread by pid so they do not all come due at once), and of the due ones
// only the most overdue 20 are read per listing, so the cost stays flat however many processes
// the machine runs. A full listing (no `hot`) reads everything.
// The pid list itself (readdir) is read every time, so an exited process goes at once; new pids,
// zombies and processes started less than 10 s ago are always read; and a cached pid cannot
// have been reused unnoticed: a pid missing from one readdir is dropped from the cache, and
// reusing it between two readdirs would take the kernel cycling through all of pid_max.
import * as fs from 'fs';
import * as os from 'os';
import { performance } from 'perf_hooks';
import type { ListOptions, ProcessRecord, ProcessSource, SourceCapabilities } from '../types';
import {
  AT_CLKTCK,
  AT_PAGESZ,
  PF_KTHREAD,
  parseAuxv,
  parseBootTime,
  parseCmdline,
  parsePasswd,
  parseStatLine,
  parseStatusUid,
  stateFromCode,
  type StatFields,
} from './parse';

/** Processes started this recently are always read: shims and launchers exec into Python. */
const YOUNG_MS = 10_000;
/** A process nobody named hot is due again after 15 to 25 s; a "warm" one after 8 to 16 s. */
const COLD_AGE_MS = 15_000;
const WARM_AGE_MS = 8000;
/** `base` plus up to two thirds more, by pid, so that processes do not all come due at once. */
const spreadAge = (pid: number, base: number): number => (base <= 0 ? 0 : base + (pid % Math.ceil((base * 2) / 3)));

interface CachedRecord {
  record: ProcessRecord;
  readAt: number;
  /** Order of reads, to break ties between equally old entries (least recently read first). */
  readSeq: number;
  /** The listing that last saw this pid (entries not seen in the latest one are dropped). */
  seen: number;
}

interface CachedDetails {
  startTicks: number;
  execSignature: string;
  argv: string[] | undefined;
  uid: number | undefined;
  readAt: number;
}

export interface ProcfsOptions {
  /** Where procfs is mounted (default /proc). */
  procRoot?: string;
  /** At most this many overdue cached processes are read again per listing (default 20). */
  rereadBudget?: number;
  /** When cached processes come due again (defaults 15 s and 8 s, plus a spread by pid). */
  coldAgeMs?: number;
  warmAgeMs?: number;
  /** How long a cached command line and uid are trusted (default 10 s). */
  detailsTtlMs?: number;
}

/** Errors that mean "this process is gone or hidden": skip it, never fail the snapshot. */
function isGoneOrHidden(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ESRCH' || code === 'EACCES' || code === 'EPERM' || code === 'EINVAL';
}

export class ProcfsSource implements ProcessSource {
  readonly id = 'procfs' as const;
  readonly capabilities: SourceCapabilities = {
    state: 'full',
    threads: true,
    rssBytes: true,
    intervalCpu: true,
    sessions: true,
    exactStartTime: true,
    exactArgv: true,
  };

  private readonly root: string;
  private readonly ttlMs: number;
  private readonly details = new Map<number, CachedDetails>();
  private readonly records = new Map<number, CachedRecord>();
  private generation = 0;
  private reads = 0;
  private readonly budget: number;
  private readonly coldAgeMs: number;
  private readonly warmAgeMs: number;
  private readonly selfIsRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  private buf = Buffer.allocUnsafe(8192);
  // Read once: btime moves by a second now and then on some kernels (it is derived from the
  // wall clock), and start-time keys must not move with it.
  private readonly bootTimeSec: number;
  private readonly clockTicks: number;
  private readonly pageSize: number;
  private users: Map<number, string> | undefined;

  constructor(options: ProcfsOptions = {}) {
    this.root = options.procRoot ?? '/proc';
    this.ttlMs = options.detailsTtlMs ?? 10_000;
    this.budget = options.rereadBudget ?? 20;
    this.coldAgeMs = options.coldAgeMs ?? COLD_AGE_MS;
    this.warmAgeMs = options.warmAgeMs ?? WARM_AGE_MS;
    const boot = parseBootTime(this.readText(`${this.root}/stat`) ?? '');
    this.bootTimeSec = boot ?? Math.floor(Date.now() / 1000 - os.uptime());
    const aux = this.readAuxv();
    this.clockTicks = aux.get(AT_CLKTCK) || 100;
    this.pageSize = aux.get(AT_PAGESZ) || 4096;
  }

  /** True where /proc has the Linux layout this back end reads. */
  static available(procRoot = '/proc'): boolean {
    try {
      return parseStatLine(fs.readFileSync(`${procRoot}/self/stat`, 'utf8')) !== undefined;
    } catch {
      return false;
    }
  }

  async list(options: ListOptions = {}): Promise<ProcessRecord[]> {
    return this.listSync(options);
  }

  /**
   * Synchronous on purpose: ~1,000 tiny reads cost less CPU done in a row than as 1,000
   * promises through libuv's thread pool, and they take a few milliseconds.
   */
  listSync(options: ListOptions = {}): ProcessRecord[] {
    const now = Date.now();
    const mono = performance.now();
    let names: string[];
    try {
      names = fs.readdirSync(this.root);
    } catch {
      return [];
    }
    const out: ProcessRecord[] = [];
    const gen = ++this.generation;
    const hot = options.hot;
    // Cached processes whose re-read is due, with how overdue they are: only the most overdue
    // are read this time (a fixed budget), so a machine with thousands of processes costs the
    // same per refresh as one with hundreds; each still gets its turn.
    const due: { index: number; pid: number; overdue: number; seq: number }[] = [];
    for (const name of names) {
      const c = name.charCodeAt(0);
      if (c < 48 || c > 57) continue; // only the numeric entries are processes
      const pid = +name;
      const cached = this.records.get(pid);
      if (cached && hot && !hot.has(pid) && this.mayServe(cached, now)) {
        cached.seen = gen;
        const maxAge = spreadAge(pid, options.warm?.has(pid) ? this.warmAgeMs : this.coldAgeMs);
        const age = now - cached.readAt;
        if (age >= maxAge) due.push({ index: out.length, pid, overdue: (age + 1) / (maxAge + 1), seq: cached.readSeq });
        out.push(cached.record);
        continue;
      }
      const rec = this.read(pid, cached, now, mono, gen);
      if (rec) out.push(rec);
    }
    let dropped = false;
    if (due.length > 0) {
      due.sort((a, b) => b.overdue - a.overdue || a.seq - b.seq);
      for (const d of due.slice(0, this.budget)) {
        const rec = this.read(d.pid, this.records.get(d.pid), now, mono, gen);
        if (rec) out[d.index] = rec;
        else {
          // Gone since readdir: leave it out (it will not be listed next time either).
          this.records.delete(d.pid);
          dropped = true;
        }
      }
    }
    for (const [pid, entry] of this.records) if (entry.seen !== gen) this.records.delete(pid);
    // The command-line cache only needs trimming now and then.
    if (gen % 16 === 0) for (const pid of this.details.keys()) if (!this.records.has(pid)) this.details.delete(pid);
    return dropped ? out.filter((r) => this.records.get(r.pid)?.record === r) : out;
  }

  /** Reads one process and updates the cache. */
  private read(pid: number, cached: CachedRecord | undefined, now: number, mono: number, gen: number): ProcessRecord | undefined {
    const rec = this.readProcess(pid, now, mono);
    if (!rec) return undefined;
    if (cached && cached.record.startToken === rec.startToken) {
      cached.record = rec;
      cached.readAt = now;
      cached.readSeq = ++this.reads;
      cached.seen = gen;
    } else {
      this.records.set(pid, { record: rec, readAt: now, readSeq: ++this.reads, seen: gen });
    }
    return rec;
  }

  /** May this cached process go without a read this time? Never a zombie, never a young one. */
  private mayServe(cached: CachedRecord, now: number): boolean {
    return cached.record.state !== 'zombie' && now - cached.record.startTime >= YOUNG_MS;
  }

  async get(pid: number): Promise<ProcessRecord | undefined> {
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    return this.readProcess(pid, Date.now(), performance.now());
  }

  async descendants(pid: number): Promise<number[]> {
    const children = new Map<number, number[]>();
    for (const r of this.listSync()) {
      const list = children.get(r.ppid);
      if (list) list.push(r.pid);
      else children.set(r.ppid, [r.pid]);
    }
    const out: number[] = [];
    const queue = [...(children.get(pid) ?? [])];
    while (queue.length > 0) {
      const p = queue.shift()!;
      out.push(p);
      queue.push(...(children.get(p) ?? []));
    }
    return out;
  }

  private readProcess(pid: number, now: number, mono: number): ProcessRecord | undefined {
    const statText = this.readText(`${this.root}/${pid}/stat`);
    if (statText === undefined) return undefined; // exited, or hidden from us (hidepid)
    const stat = parseStatLine(statText);
    if (!stat || stat.pid !== pid) return undefined;
    const kernelThread = (stat.flags & PF_KTHREAD) !== 0 || pid === 2 || stat.ppid === 2;
    const details = kernelThread ? undefined : this.detailsFor(stat, now);
    const argv = details?.argv;
    const uid = kernelThread ? 0 : details?.uid;
    return {
      pid,
      ppid: stat.ppid,
      startToken: String(stat.startTicks),
      startTime: (this.bootTimeSec + stat.startTicks / this.clockTicks) * 1000,
      name: stat.comm,
      argv: argv ?? [],
      command: argv ? argv.join(' ') : '',
      uid,
      user: uid === undefined ? undefined : this.userName(uid),
      state: stateFromCode(stat.stateCode),
      stateCode: stat.stateCode,
      threads: stat.threads,
      rssBytes: stat.rssPages * this.pageSize,
      cpuTimeMs: ((stat.utime + stat.stime) * 1000) / this.clockTicks,
      pgid: stat.pgid,
      sid: stat.sid,
      kernelThread,
      sampledAt: mono,
    };
  }

  private detailsFor(stat: StatFields, now: number): CachedDetails {
    const execSignature = `${stat.comm}\0${stat.startCode}\0${stat.startStack}`;
    const cached = this.details.get(stat.pid);
    if (
      cached &&
      cached.startTicks === stat.startTicks &&
      cached.execSignature === execSignature &&
      now - cached.readAt < this.ttlMs
    ) {
      return cached;
    }
    // A zombie has no command line left (and no memory to read it from).
    const cmdline = stat.stateCode === 'Z' ? '' : this.readText(`${this.root}/${stat.pid}/cmdline`);
    const fresh: CachedDetails = {
      startTicks: stat.startTicks,
      execSignature,
      argv: cmdline === undefined ? undefined : parseCmdline(cmdline),
      uid: this.uidOf(stat.pid),
      readAt: now,
    };
    this.details.set(stat.pid, fresh);
    return fresh;
  }

  /**
   * The effective uid. /proc/<pid> is owned by it, which one stat() tells cheaply, except that a
   * non-dumpable process (setuid programs, agents that hide their memory) shows as root: so an
   * owner of 0 is confirmed from the status file (and root itself reads that directly).
   */
  private uidOf(pid: number): number | undefined {
    if (!this.selfIsRoot) {
      try {
        const owner = fs.statSync(`${this.root}/${pid}`).uid;
        if (owner !== 0) return owner;
      } catch {
        return undefined;
      }
    }
    const status = this.readText(`${this.root}/${pid}/status`);
    return status === undefined ? undefined : parseStatusUid(status);
  }

  private userName(uid: number): string {
    if (!this.users) {
      try {
        this.users = parsePasswd(fs.readFileSync('/etc/passwd', 'utf8'));
      } catch {
        this.users = new Map();
      }
      try {
        const me = os.userInfo();
        if (!this.users.has(me.uid)) this.users.set(me.uid, me.username);
      } catch {
        // no passwd entry for us (containers with an arbitrary uid): numbers will do
      }
    }
    return this.users.get(uid) ?? String(uid);
  }

  /**
   * Reads a small file with open/read/close into one reused buffer: no fstat, no allocation per
   * file. Undefined when the file is gone or unreadable.
   */
  private readText(path: string): string | undefined {
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch (err) {
      if (isGoneOrHidden(err)) return undefined;
      throw err;
    }
    try {
      let length = 0;
      for (;;) {
        if (length === this.buf.length) {
          const bigger = Buffer.allocUnsafe(this.buf.length * 2);
          this.buf.copy(bigger, 0, 0, length);
          this.buf = bigger;
        }
        const n = fs.readSync(fd, this.buf, length, this.buf.length - length, null);
        if (n === 0) break;
        length += n;
      }
      return this.buf.toString('utf8', 0, length);
    } catch (err) {
      // ESRCH: the process exited between open and read.
      if (isGoneOrHidden(err)) return undefined;
      throw err;
    } finally {
      fs.closeSync(fd);
    }
  }

  private readAuxv(): Map<number, number> {
    try {
      const buf = fs.readFileSync(`${this.root}/self/auxv`);
      const wordBytes = /64|s390x/.test(process.arch) ? 8 : 4;
      return parseAuxv(buf, wordBytes, os.endianness() === 'LE');
    } catch {
      return new Map();
    }
  }
}
