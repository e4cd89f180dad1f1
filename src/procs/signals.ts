// Sending signals safely: the same rules for the view, the CLI and the runner.
//
// Never signalled: PID 1 (and pid 0), kernel threads, mpscope's own process and its ancestors
// (that would take VS Code down), and other users' processes. Before each signal the target is
// read again and its start time compared, so a pid that was reused since the snapshot is not
// hit. A zombie cannot be signalled usefully (it has already exited): that is reported, with
// its parent, which is the process to act on.
import type { ProcessNode } from './model';
import { processKey, type ProcessRecord, type ProcessSource } from './types';

/** Whether a process with this pid exists (perhaps another user's: signal 0 is refused to us). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface SignalInfo {
  signal: NodeJS.Signals;
  description: string;
}

/** The signals offered by "Send Signal...", most useful first. */
export const COMMON_SIGNALS: SignalInfo[] = [
  { signal: 'SIGTERM', description: 'ask it to exit (what Terminate sends)' },
  { signal: 'SIGINT', description: 'like Ctrl+C: KeyboardInterrupt in Python' },
  { signal: 'SIGKILL', description: 'end it at once; cannot be caught (what Kill sends)' },
  { signal: 'SIGHUP', description: 'hang-up; many programs reload or exit' },
  { signal: 'SIGQUIT', description: 'quit, with a core dump where enabled' },
  { signal: 'SIGUSR1', description: 'user signal 1 (e.g. a faulthandler.register dump)' },
  { signal: 'SIGUSR2', description: 'user signal 2' },
  { signal: 'SIGSTOP', description: 'pause it; cannot be caught' },
  { signal: 'SIGCONT', description: 'resume a paused (stopped) process' },
];

export type SignalFailure = 'refused' | 'zombie' | 'vanished' | 'reused' | 'permission' | 'failed';

/** A signal that was not sent, with a message meant for people. */
export class SignalError extends Error {
  constructor(
    readonly reason: SignalFailure,
    message: string,
    readonly pid: number,
  ) {
    super(message);
    this.name = 'SignalError';
  }
}

/** What protects a process from being signalled by mpscope. */
export interface SafetyContext {
  selfPid: number;
  selfUid?: number;
  /** mpscope's own process and its ancestors. */
  protectedPids: ReadonlySet<number>;
}

/** mpscope's own ancestry (self, parent, grandparent... up to init), read from the back end. */
export async function safetyContext(source: ProcessSource): Promise<SafetyContext> {
  const protectedPids = new Set<number>([process.pid]);
  let pid = process.ppid;
  for (let i = 0; i < 64 && pid > 1 && !protectedPids.has(pid); i++) {
    protectedPids.add(pid);
    const r = await source.get(pid);
    if (!r) break;
    pid = r.ppid;
  }
  return {
    selfPid: process.pid,
    selfUid: typeof process.getuid === 'function' ? process.getuid() : undefined,
    protectedPids,
  };
}

const label = (r: { pid: number; name: string }) => `${r.pid} (${r.name})`;

/** Why mpscope will never signal this process, or undefined when it may. */
export function refusalReason(r: ProcessRecord, safety: SafetyContext): string | undefined {
  if (r.pid <= 1) {
    return `Process ${label(r)} is init: ending it ends every process of this system or container, so mpscope never signals it.`;
  }
  if (r.kernelThread) return `Process ${label(r)} is a kernel thread; it cannot be signalled.`;
  if (r.pid === safety.selfPid) return `Process ${label(r)} is mpscope itself.`;
  if (safety.protectedPids.has(r.pid)) {
    return `Process ${label(r)} is an ancestor of mpscope (it runs VS Code or this tool), so mpscope does not signal it.`;
  }
  if (safety.selfUid !== undefined && r.uid !== undefined && r.uid !== safety.selfUid) {
    return `Process ${label(r)} belongs to user ${r.user ?? r.uid}; mpscope only signals your own processes.`;
  }
  return undefined;
}

export type KillVerdict =
  | { kind: 'allow' }
  | { kind: 'confirm'; message: string }
  | { kind: 'refuse'; reason: 'refused' | 'zombie'; message: string };

/**
 * What the UI should do before signalling: refuse (with why), ask first (a process mpscope did
 * not start), or go ahead (a process of an mpscope run).
 */
export function killVerdict(node: ProcessNode, signal: NodeJS.Signals, safety: SafetyContext): KillVerdict {
  const refusal = refusalReason(node.record, safety);
  if (refusal) return { kind: 'refuse', reason: 'refused', message: refusal };
  if (node.zombie) return { kind: 'refuse', reason: 'zombie', message: zombieMessage(node.record) };
  if (node.runMember) return { kind: 'allow' };
  return {
    kind: 'confirm',
    message: `mpscope did not start process ${label(node.record)}. Send ${signal} to it?`,
  };
}

function zombieMessage(r: ProcessRecord): string {
  return `Process ${label(r)} is a zombie: it has already exited, and stays listed until its parent ${r.ppid} reaps it (waits for it) or exits. Signal the parent instead.`;
}

export interface TargetRef {
  pid: number;
  /** The start time the caller saw; a different one now means the pid was reused. */
  startToken: string;
}

/** Sends one signal to one process, after checking that it is still the same process. */
export async function sendSignal(
  source: ProcessSource,
  target: TargetRef,
  signal: NodeJS.Signals,
  safety?: SafetyContext,
): Promise<void> {
  const current = await source.get(target.pid);
  if (!current) throw new SignalError('vanished', `Process ${target.pid} has already exited.`, target.pid);
  if (target.startToken && current.startToken !== target.startToken) {
    throw new SignalError(
      'reused',
      `Process ${target.pid} has exited; its pid now belongs to another process (${current.name}), which mpscope leaves alone.`,
      target.pid,
    );
  }
  const refusal = refusalReason(current, safety ?? (await safetyContext(source)));
  if (refusal) throw new SignalError('refused', refusal, target.pid);
  if (current.state === 'zombie') throw new SignalError('zombie', zombieMessage(current), target.pid);
  deliver(current, signal);
}

/** process.kill with the OS's errors turned into messages. */
function deliver(r: { pid: number; name: string }, signal: NodeJS.Signals): void {
  try {
    process.kill(r.pid, signal);
  } catch (err) {
    throw signalErrorFrom(err, r);
  }
}

/** Maps an error of process.kill to a SignalError with a clear message. Exported for tests. */
export function signalErrorFrom(err: unknown, r: { pid: number; name: string }): SignalError {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ESRCH') return new SignalError('vanished', `Process ${label(r)} has already exited.`, r.pid);
  if (code === 'EPERM') {
    return new SignalError(
      'permission',
      `Not permitted to signal process ${label(r)}: it runs with other privileges (setuid, or another user).`,
      r.pid,
    );
  }
  return new SignalError('failed', `Could not signal process ${label(r)}: ${(err as Error)?.message ?? err}`, r.pid);
}

export interface KillTreeResult {
  /** Pids signalled, children before parents. */
  signalled: number[];
  /** Pids that exited before their turn. */
  vanished: number[];
  /** Pids left alone, with why (another user's child, a zombie). */
  skipped: { pid: number; reason: string }[];
}

/** Signals that end a process by default: for these the tree is frozen first. */
const ENDING = new Set<NodeJS.Signals>(['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP', 'SIGQUIT']);

/**
 * Signals a process and all its descendants, children first.
 *
 * On POSIX, for signals that end processes, the whole tree is first stopped with SIGSTOP (top
 * down, then looked at again until no new child appears): a stopped Pool cannot start
 * replacement workers while its workers die, a stopped parent cannot fork, and a stopped
 * process keeps its pid, so the pids signalled next cannot have been reused. Then every process
 * gets the signal, leaves first, and all of them get SIGCONT (also when something failed) so a
 * pending SIGTERM is acted on.
 */
export async function killTree(
  source: ProcessSource,
  root: TargetRef,
  signal: NodeJS.Signals,
  safety?: SafetyContext,
): Promise<KillTreeResult> {
  const safe = safety ?? (await safetyContext(source));
  const first = await source.list();
  const rootRec = first.find((r) => r.pid === root.pid);
  if (!rootRec) throw new SignalError('vanished', `Process ${root.pid} has already exited.`, root.pid);
  if (root.startToken && rootRec.startToken !== root.startToken) {
    throw new SignalError(
      'reused',
      `Process ${root.pid} has exited; its pid now belongs to another process (${rootRec.name}), which mpscope leaves alone.`,
      root.pid,
    );
  }
  const refusal = refusalReason(rootRec, safe);
  if (refusal) throw new SignalError('refused', refusal, root.pid);

  const result: KillTreeResult = { signalled: [], vanished: [], skipped: [] };
  const freeze = process.platform !== 'win32' && ENDING.has(signal);
  const stopped = new Map<string, ProcessRecord>(); // key -> record, in stop order
  let tree = treeOf(first, rootRec);

  try {
    if (freeze) {
      for (let round = 0; round < 10; round++) {
        let fresh = 0;
        for (const r of tree) {
          const key = processKey(r);
          if (stopped.has(key) || r.state === 'zombie' || refusalReason(r, safe)) continue;
          try {
            process.kill(r.pid, 'SIGSTOP');
            stopped.set(key, r);
            fresh++;
          } catch {
            // gone already, or not ours to stop: handled when signalling
          }
        }
        if (fresh === 0 && round > 0) break;
        // Children forked before their parent stopped are only visible now.
        const again = await source.list();
        const rootNow = again.find((r) => processKey(r) === processKey(rootRec));
        if (!rootNow) break;
        tree = treeOf(again, rootNow);
      }
    }
    // Leaves first: reverse of the breadth-first order.
    for (const r of [...tree].reverse()) {
      const why = refusalReason(r, safe);
      if (why) {
        result.skipped.push({ pid: r.pid, reason: why });
        continue;
      }
      if (r.state === 'zombie') {
        result.skipped.push({ pid: r.pid, reason: 'a zombie (already exited)' });
        continue;
      }
      try {
        process.kill(r.pid, signal);
        result.signalled.push(r.pid);
      } catch (err) {
        const e = signalErrorFrom(err, r);
        if (e.reason === 'vanished') result.vanished.push(r.pid);
        else result.skipped.push({ pid: r.pid, reason: e.message });
      }
    }
  } finally {
    // Nothing mpscope stopped stays stopped: only the SIGKILLed need no SIGCONT.
    const killed = new Set(signal === 'SIGKILL' ? result.signalled : []);
    for (const r of stopped.values()) {
      if (killed.has(r.pid)) continue;
      try {
        process.kill(r.pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
  }
  return result;
}

/** `root` and its descendants in breadth-first order, by parent links that pass the start-time check. */
function treeOf(records: readonly ProcessRecord[], root: ProcessRecord): ProcessRecord[] {
  const byParent = new Map<number, ProcessRecord[]>();
  for (const r of records) {
    const list = byParent.get(r.ppid);
    if (list) list.push(r);
    else byParent.set(r.ppid, [r]);
  }
  const out: ProcessRecord[] = [root];
  const seen = new Set<number>([root.pid]);
  for (let i = 0; i < out.length; i++) {
    const parent = out[i];
    for (const child of byParent.get(parent.pid) ?? []) {
      if (seen.has(child.pid)) continue;
      // A "child" older than its parent means the parent's pid was reused: not ours.
      if (!Number.isNaN(child.startTime) && !Number.isNaN(parent.startTime) && child.startTime < parent.startTime) continue;
      seen.add(child.pid);
      out.push(child);
    }
  }
  return out;
}
