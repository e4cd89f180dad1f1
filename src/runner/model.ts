// The session model: every process of the run, merged from what each source says about it.
// Sources: the process's own agent (hello, exit, exception), its parent's agent (start, join,
// terminate, reaped), the supervisor (/proc state, re-parenting, reaping orphans), and the
// connection itself (a process's socket closes when it exits).
import type { AgentLocation, AgentMessage, Msg } from './protocol';

export type Role = 'main' | 'child' | 'worker' | 'fork' | 'subprocess' | 'helper' | 'unknown';

export interface JoinRecord {
  by: number;
  began: number;
  ended: number;
  timeout: number | null;
  exitcode: number | null;
  atExit: boolean;
  site: AgentLocation | null;
}

export interface ControlRecord {
  op: string;
  by: number;
  ts: number;
  atExit: boolean;
  site: AgentLocation | null;
}

export interface ReapRecord {
  by: number;
  ts: number;
  exitcode: number | null;
  signal: number | null;
  atExit: boolean;
  site: AgentLocation | null;
}

export interface ExceptionRecord {
  ts: number;
  where: string;
  type: string;
  message: string;
  frames: AgentLocation[];
  site: AgentLocation | null;
}

export interface ProcessRecord {
  pid: number;
  /** Parent in the OS when first seen (hello or /proc). */
  osPpid: number | null;
  /** Latest parent in /proc (changes when re-parented). */
  currentPpid: number | null;
  /** The process that started it (its agent said so): the logical parent. */
  startedBy: number | null;
  name: string | null;
  role: Role;
  helper: string | null;
  /** The agent is loaded in it. */
  python: boolean;
  argv: string[];
  comm: string | null;
  /**
   * Whether its environment lets the agent in (the run's token, the bootstrap folder on
   * PYTHONPATH), read by the supervisor when it first appeared; null: unknown. False: its agent
   * can never connect (deadlock/arrivals.ts).
   */
  agentEnv: boolean | null;
  /** When its parent's start() call began and returned (multiprocessing only). */
  startCall: [number, number] | null;
  /** How it was started: process, pool-worker, executor-worker, manager, fork, popen. */
  startKind: string | null;
  target: string | null;
  startMethod: string | null;
  owner: string | null;
  startSite: AgentLocation | null;
  daemon: boolean | null;
  startTime: number | null;
  /** Best estimate of when it ended (socket closed, exit message, zombie seen, gone). */
  endTime: number | null;
  exitCode: number | null;
  signal: number | null;
  exitHow: string | null;
  exitSite: AgentLocation | null;
  joins: JoinRecord[];
  controls: ControlRecord[];
  reaps: ReapRecord[];
  exceptions: ExceptionRecord[];
  /** First /proc observation in state Z. */
  zombieSince: number | null;
  /** When its exit status was collected (by its parent or the supervisor). */
  reapedAt: number | null;
  reapedBy: number | null;
  /** Re-parented to the supervisor (its parent died first). */
  adopted: boolean;
  adoptedAt: number | null;
  goneAt: number | null;
  state: string | null;
  connectedAt: number | null;
  disconnectedAt: number | null;
  /** When it sent its exit message. */
  exitMsgAt: number | null;
  /** Its agent failed (its connection closing says nothing about its exit). */
  agentFailed: boolean;
  /** mpscope's stop killed it (timeout, limit, Stop, leftovers). */
  killedByRunner: boolean;
}

export interface OwnerRecord {
  id: string;
  type: string;
  pid: number;
  site: AgentLocation | null;
  ops: Array<{ op: string; ts: number; atExit: boolean; site: AgentLocation | null }>;
}

export interface ShmRecord {
  name: string;
  size: number | null;
  events: Array<{ op: string; pid: number; ts: number; site: AgentLocation | null }>;
}

export interface StopRecord {
  reason: string;
  ts: number;
  pids: number[];
}

function newRecord(pid: number): ProcessRecord {
  return {
    pid,
    osPpid: null,
    currentPpid: null,
    startedBy: null,
    name: null,
    role: 'unknown',
    helper: null,
    python: false,
    argv: [],
    comm: null,
    agentEnv: null,
    startCall: null,
    startKind: null,
    target: null,
    startMethod: null,
    owner: null,
    startSite: null,
    daemon: null,
    startTime: null,
    endTime: null,
    exitCode: null,
    signal: null,
    exitHow: null,
    exitSite: null,
    joins: [],
    controls: [],
    reaps: [],
    exceptions: [],
    zombieSince: null,
    reapedAt: null,
    reapedBy: null,
    adopted: false,
    adoptedAt: null,
    goneAt: null,
    state: null,
    connectedAt: null,
    disconnectedAt: null,
    exitMsgAt: null,
    agentFailed: false,
    killedByRunner: false,
  };
}

const minDefined = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.min(a, b);

export type JoinStatus = 'explicit' | 'terminated-at-exit' | 'at-exit' | 'reaped' | 'never';

const SIGTERM = 15;

/**
 * How the program ended its relation with a multiprocessing child:
 * explicit             join() returned with the child finished (the program's own call, or its
 *                      Pool/executor's, e.g. leaving a with block)
 * terminated-at-exit   a daemon that multiprocessing terminated when its parent exited
 * at-exit              collected by multiprocessing's exit handler (implicit join at exit)
 * reaped               collected implicitly, by is_alive(), active_children() or a later start()
 * never                none of these: left running, or collected by someone else
 */
export function joinStatus(p: ProcessRecord, parentPid: number | null): JoinStatus {
  if (p.joins.some((j) => !j.atExit && j.exitcode !== null && (parentPid === null || j.by === parentPid))) {
    return 'explicit';
  }
  const atExitJoin = p.joins.some((j) => j.atExit && j.exitcode !== null);
  const atExitReap = p.reaps.some((r) => r.atExit && (parentPid === null || r.by === parentPid));
  if (
    p.controls.some((c) => c.atExit && c.op === 'terminate') ||
    (p.daemon === true && (atExitJoin || atExitReap) && p.signal === SIGTERM)
  ) {
    return 'terminated-at-exit';
  }
  if (atExitJoin || atExitReap) return 'at-exit';
  if (p.reaps.some((r) => !r.atExit && (parentPid === null || r.by === parentPid))) return 'reaped';
  return 'never';
}

/** Same rule as the agent's boot.role_from_cmdline(). */
export function helperFromArgv(argv: string[]): string | null {
  const joined = argv.join(' ');
  if (joined.includes('multiprocessing.resource_tracker') || joined.includes('multiprocessing.semaphore_tracker')) {
    return 'resource_tracker';
  }
  if (joined.includes('multiprocessing.forkserver')) return 'forkserver';
  return null;
}

const ROLES: readonly Role[] = ['main', 'child', 'worker', 'fork', 'subprocess', 'helper'];
const asRole = (r: string): Role => (ROLES.includes(r as Role) ? (r as Role) : 'unknown');

export class RunModel {
  readonly processes = new Map<number, ProcessRecord>();
  /** Records of pids that were reused within the run (older first). */
  readonly retired: ProcessRecord[] = [];
  readonly owners = new Map<string, OwnerRecord>();
  readonly shm = new Map<string, ShmRecord>();
  supervisorPid: number | null = null;
  mainPid: number | null = null;
  subreaper = false;
  maxProcesses: number | null = null;
  limit: { count: number; max: number } | null = null;
  stop: StopRecord | null = null;
  readonly agentErrors: string[] = [];

  get(pid: number): ProcessRecord {
    let p = this.processes.get(pid);
    if (!p) {
      p = newRecord(pid);
      this.processes.set(pid, p);
    }
    return p;
  }

  /**
   * A hello for a pid whose earlier process has ended: the pid was reused. Messages from
   * different connections arrive in any order, so a process's own hello may come after the
   * supervisor saw it go: only a hello sent after that is a new process.
   */
  private fresh(pid: number, helloTs: number): ProcessRecord {
    const old = this.processes.get(pid);
    if (old && old.goneAt !== null && helloTs > old.goneAt) {
      this.retired.push(old);
      this.processes.delete(pid);
    }
    return this.get(pid);
  }

  /** All processes of the user's run (not the supervisor), in start order. */
  all(): ProcessRecord[] {
    return [...this.retired, ...this.processes.values()]
      .filter((p) => p.pid !== this.supervisorPid)
      .sort((a, b) => (a.startTime ?? Infinity) - (b.startTime ?? Infinity) || a.pid - b.pid);
  }

  /** The logical parent: who started it, else its first OS parent. */
  parentOf(p: ProcessRecord): ProcessRecord | undefined {
    const ppid = p.startedBy ?? p.osPpid;
    if (ppid === null || ppid === this.supervisorPid) return undefined;
    return this.processes.get(ppid);
  }

  /** Exit time: when its connection closed, it said goodbye, it was seen as a zombie, or gone. */
  exitTime(p: ProcessRecord): number | null {
    const disconnected = p.agentFailed ? null : p.disconnectedAt;
    return [disconnected, p.exitMsgAt, p.zombieSince, p.reapedAt, p.goneAt].reduce<number | null>(minDefined, null);
  }

  onHello(hello: Msg<'hello'>, connectedAt: number): ProcessRecord {
    if (hello.role === 'supervisor') {
      this.supervisorPid = hello.pid;
      return this.get(hello.pid);
    }
    const p = this.fresh(hello.pid, hello.ts);
    p.python = true;
    // Its own word at start-up is the original parent (the supervisor may have seen it only
    // after it was re-parented), unless its forking parent already said so: a process can be
    // re-parented before its hello, when its parent exits at once.
    if (p.osPpid === null || p.osPpid === this.supervisorPid) p.osPpid = hello.ppid;
    p.currentPpid = p.currentPpid ?? hello.ppid;
    this.checkAdopted(p, hello.ts);
    // A later hello for the same process (after exec) keeps what the parent said about it.
    if (p.role === 'unknown' || p.role === 'fork' || p.role === 'subprocess' || hello.role !== 'fork') {
      p.role = asRole(hello.role);
    }
    p.helper = hello.helper ?? p.helper;
    p.name = hello.mpName ?? p.name;
    p.argv = hello.argv.map(String);
    p.startTime = minDefined(p.startTime, hello.ts);
    p.connectedAt = connectedAt;
    p.disconnectedAt = null;
    if (hello.role === 'main') {
      this.mainPid = hello.pid;
      p.name = p.name ?? 'MainProcess';
    }
    return p;
  }

  onDisconnect(pid: number, at: number): void {
    const p = this.processes.get(pid);
    if (!p) return;
    p.disconnectedAt = at;
    if (!p.agentFailed) p.endTime = minDefined(p.endTime, at);
  }

  /** Applies a message from process `from` (the sender's pid, known from its connection). */
  apply(from: number, msg: AgentMessage): ProcessRecord[] {
    const touched: ProcessRecord[] = [];
    const touch = (p: ProcessRecord) => {
      touched.push(p);
      return p;
    };
    switch (msg.t) {
      case 'role': {
        const p = touch(this.get(from));
        p.role = asRole(msg.role);
        p.helper = msg.helper ?? null;
        p.name = msg.mpName ?? p.name;
        break;
      }
      case 'process_start': {
        const c = touch(this.get(msg.child));
        c.startedBy = msg.by;
        c.startCall = [msg.began, msg.ts];
        // A Pool replacing a worker starts it from its own thread, with no user frame on the
        // stack: the user's line for it is where the Pool was created.
        c.startSite = msg.site ?? c.startSite ?? (msg.owner ? (this.owners.get(msg.owner)?.site ?? null) : null);
        c.name = c.name ?? msg.name;
        c.daemon = msg.daemon;
        c.startKind = msg.kind;
        c.target = msg.target ?? null;
        c.startMethod = msg.startMethod ?? null;
        c.owner = msg.owner ?? null;
        c.startTime = minDefined(c.startTime, msg.ts);
        if (msg.kind === 'manager') {
          c.role = 'helper';
          c.helper = 'manager';
        } else if (c.role === 'unknown' || c.role === 'fork') {
          c.role = msg.kind === 'process' ? 'child' : 'worker';
        }
        break;
      }
      case 'fork': {
        const c = touch(this.get(msg.child));
        if (c.osPpid === null || c.osPpid === this.supervisorPid) {
          c.osPpid = from;
          this.checkAdopted(c, msg.ts);
        }
        if (c.startedBy === null) {
          const sender = this.processes.get(from);
          // The forkserver forks on behalf of the process that asked: that one says so itself.
          if (sender?.helper !== 'forkserver') {
            c.startedBy = from;
            c.startSite = c.startSite ?? msg.site ?? null;
            c.startKind = c.startKind ?? 'fork';
          }
        }
        if (c.role === 'unknown') c.role = 'fork';
        c.startTime = minDefined(c.startTime, msg.ts);
        break;
      }
      case 'popen': {
        const c = touch(this.get(msg.child));
        c.startedBy = c.startedBy ?? from;
        c.startSite = c.startSite ?? msg.site ?? null;
        c.startKind = c.startKind ?? 'popen';
        if (!c.python) c.argv = msg.args.map(String);
        if (c.role === 'unknown') c.role = 'subprocess';
        c.startTime = minDefined(c.startTime, msg.ts);
        break;
      }
      case 'join': {
        const c = touch(this.get(msg.child));
        c.joins.push({
          by: from,
          began: msg.began,
          ended: msg.ts,
          timeout: msg.timeout ?? null,
          exitcode: msg.exitcode ?? null,
          atExit: msg.atExit,
          site: msg.site ?? null,
        });
        break;
      }
      case 'control': {
        const c = touch(this.get(msg.child));
        c.controls.push({ op: msg.op, by: from, ts: msg.ts, atExit: msg.atExit, site: msg.site ?? null });
        break;
      }
      case 'reaped': {
        const c = touch(this.get(msg.child));
        c.reaps.push({
          by: from,
          ts: msg.ts,
          exitcode: msg.exitcode ?? null,
          signal: msg.signal ?? null,
          atExit: msg.atExit,
          site: msg.site ?? null,
        });
        this.setStatus(c, msg.exitcode ?? null, msg.signal ?? null);
        c.reapedAt = minDefined(c.reapedAt, msg.ts);
        c.reapedBy = c.reapedBy ?? from;
        c.endTime = minDefined(c.endTime, msg.ts);
        break;
      }
      case 'owner': {
        let o = this.owners.get(msg.id);
        if (!o) {
          o = { id: msg.id, type: msg.type, pid: from, site: null, ops: [] };
          this.owners.set(msg.id, o);
        }
        if (msg.op === 'create') o.site = msg.site ?? null;
        else o.ops.push({ op: msg.op, ts: msg.ts, atExit: msg.atExit, site: msg.site ?? null });
        break;
      }
      case 'exception': {
        const p = touch(this.get(from));
        p.exceptions.push({
          ts: msg.ts,
          where: msg.where,
          type: msg.type,
          message: msg.message,
          frames: msg.frames,
          site: msg.site ?? null,
        });
        break;
      }
      case 'exit': {
        const p = touch(this.get(from));
        p.exitHow = msg.how;
        p.exitMsgAt = minDefined(p.exitMsgAt, msg.ts);
        p.exitSite = msg.site ?? p.exitSite;
        p.endTime = minDefined(p.endTime, msg.ts);
        if (msg.code !== null && msg.code !== undefined && p.reaps.length === 0 && p.exitCode === null) {
          p.exitCode = msg.code;
        }
        break;
      }
      case 'shm': {
        let s = this.shm.get(msg.name);
        if (!s) {
          s = { name: msg.name, size: null, events: [] };
          this.shm.set(msg.name, s);
        }
        if (msg.size) s.size = msg.size;
        s.events.push({ op: msg.op, pid: from, ts: msg.ts, site: msg.site ?? null });
        break;
      }
      case 'agent_error':
        if (from === this.supervisorPid) {
          this.agentErrors.push(msg.message); // not one of the run's processes
          break;
        }
        this.agentErrors.push(`pid ${from}: ${msg.message}`);
        this.get(from).agentFailed = true;
        break;
      case 'dropped':
        this.agentErrors.push(`pid ${from}: ${msg.count} messages dropped (runner too slow)`);
        break;
      case 'sup_started':
        this.mainPid = msg.child;
        this.subreaper = msg.subreaper;
        this.maxProcesses = msg.maxProcesses;
        touch(this.get(msg.child)).role = 'main';
        this.get(msg.child).startTime = minDefined(this.get(msg.child).startTime, msg.ts);
        break;
      case 'sup_proc': {
        if (msg.pid === this.supervisorPid) break;
        const p = touch(this.get(msg.pid));
        if (p.osPpid === null) p.osPpid = msg.ppid;
        p.currentPpid = msg.ppid;
        this.checkAdopted(p, msg.ts);
        if (msg.argv && p.argv.length === 0) p.argv = msg.argv.map(String);
        if (typeof msg.agentEnv === 'boolean') p.agentEnv = msg.agentEnv;
        if (!p.python && p.role !== 'helper') {
          // A process without the agent (e.g. started with python -I): still recognise helpers.
          const helper = helperFromArgv(p.argv);
          if (helper) {
            p.role = 'helper';
            p.helper = helper;
          }
        }
        p.state = msg.state;
        p.comm = msg.comm;
        p.startTime = minDefined(p.startTime, msg.ts);
        if (msg.state === 'Z' && p.zombieSince === null) p.zombieSince = msg.ts;
        if (p.role === 'unknown') p.role = msg.pid === this.mainPid ? 'main' : 'subprocess';
        break;
      }
      case 'sup_gone': {
        const p = this.processes.get(msg.pid);
        if (!p) break;
        touch(p);
        p.goneAt = p.goneAt ?? msg.ts;
        p.endTime = minDefined(p.endTime, msg.ts);
        p.reapedAt = minDefined(p.reapedAt, msg.ts);
        break;
      }
      case 'sup_reaped': {
        const p = touch(this.get(msg.pid));
        this.setStatus(p, msg.exitcode ?? null, msg.signal ?? null, true);
        p.reapedAt = minDefined(p.reapedAt, msg.ts);
        p.reapedBy = p.reapedBy ?? this.supervisorPid;
        p.endTime = minDefined(p.endTime, msg.ts);
        if (msg.adopted && !p.adopted && msg.pid !== this.mainPid) {
          p.adopted = true;
          p.adoptedAt = p.adoptedAt ?? msg.ts;
        }
        break;
      }
      case 'sup_limit':
        this.limit = { count: msg.count, max: msg.max };
        break;
      case 'sup_stopping': {
        const pids = msg.pids.filter((x): x is number => typeof x === 'number');
        this.stop = this.stop ?? { reason: msg.reason, ts: msg.ts, pids };
        for (const pid of pids) {
          const p = this.processes.get(pid);
          if (p && p.endTime === null) p.killedByRunner = true;
        }
        break;
      }
      default:
        break;
    }
    return touched;
  }

  /** Re-parented to the supervisor: its parent in the OS died while it lived. */
  private checkAdopted(p: ProcessRecord, ts: number): void {
    const sup = this.supervisorPid;
    if (p.adopted || sup === null || p.pid === this.mainPid) return;
    if (p.currentPpid === sup && p.osPpid !== null && p.osPpid !== sup) {
      p.adopted = true;
      p.adoptedAt = ts;
    }
  }

  /** Exit status: the first reaper's word wins, the supervisor's (the OS) overrides guesses. */
  private setStatus(p: ProcessRecord, code: number | null, sig: number | null, authoritative = false): void {
    if (authoritative || p.reaps.length <= 1 || (p.exitCode === null && p.signal === null)) {
      p.exitCode = code;
      p.signal = sig;
    }
  }
}
