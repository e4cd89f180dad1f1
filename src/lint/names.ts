// Canonical names of the APIs the rules know about. Resolution (model.ts) maps every expression it
// can follow to one of these, so `mp.Process`, `ctx.Process`, `multiprocessing.context.Process`
// and `from multiprocessing import Process as P; P` are all `multiprocessing.Process`.

/** Names re-exported at the top of the multiprocessing package. */
const MP_TOP = new Set([
  'Process',
  'Pool',
  'Queue',
  'JoinableQueue',
  'SimpleQueue',
  'Pipe',
  'Lock',
  'RLock',
  'Semaphore',
  'BoundedSemaphore',
  'Condition',
  'Event',
  'Barrier',
  'Value',
  'Array',
  'RawValue',
  'RawArray',
  'Manager',
  'set_start_method',
  'get_start_method',
  'get_all_start_methods',
  'get_context',
  'cpu_count',
  'active_children',
  'current_process',
  'parent_process',
  'freeze_support',
  'set_executable',
  'set_forkserver_preload',
  'get_logger',
  'log_to_stderr',
  'allow_connection_pickling',
  'TimeoutError',
  'AuthenticationError',
  'ProcessError',
  'BufferTooShort',
]);

/** Process classes of multiprocessing.context and .process: all behave as Process. */
const PROCESS_ALIASES = new Set([
  'Process',
  'BaseProcess',
  'SpawnProcess',
  'ForkProcess',
  'ForkServerProcess',
]);

const canonicalCache = new Map<string, string>();

/** Maps a dotted name to its canonical form (see module comment). */
export function canonical(q: string): string {
  let c = canonicalCache.get(q);
  if (c === undefined) {
    c = computeCanonical(q);
    if (canonicalCache.size < 10000) canonicalCache.set(q, c);
  }
  return c;
}

function computeCanonical(q: string): string {
  if (q.startsWith('multiprocessing.')) {
    const parts = q.split('.');
    const last = parts[parts.length - 1];
    if (parts.length === 2) return q;
    const sub = parts[1];
    if (parts.length === 3) {
      if (sub === 'dummy') return q; // thread-backed look-alikes: none of the process rules apply
      if ((sub === 'context' || sub === 'process') && PROCESS_ALIASES.has(last)) return 'multiprocessing.Process';
      if (sub === 'pool' && last === 'Pool') return 'multiprocessing.Pool';
      if (sub === 'pool' && last === 'ThreadPool') return 'multiprocessing.ThreadPool';
      if (sub === 'queues' && (last === 'Queue' || last === 'JoinableQueue' || last === 'SimpleQueue')) {
        return `multiprocessing.${last}`;
      }
      if (sub === 'synchronize' && MP_TOP.has(last)) return `multiprocessing.${last}`;
      if (sub === 'connection' && last === 'Pipe') return 'multiprocessing.Pipe';
      if (sub === 'sharedctypes' && MP_TOP.has(last)) return `multiprocessing.${last}`;
      if (sub === 'managers' && last === 'SyncManager') return 'multiprocessing.managers.SyncManager';
      if (sub === 'context' && MP_TOP.has(last)) return `multiprocessing.${last}`;
    }
    return q;
  }
  if (q === 'concurrent.futures.process.ProcessPoolExecutor') return 'concurrent.futures.ProcessPoolExecutor';
  if (q === 'concurrent.futures.thread.ThreadPoolExecutor') return 'concurrent.futures.ThreadPoolExecutor';
  return q;
}

/** Names `from M import *` binds, for the modules rules care about. */
export const STAR_EXPORTS: Record<string, ReadonlySet<string>> = {
  multiprocessing: MP_TOP,
  subprocess: new Set(['Popen', 'PIPE', 'STDOUT', 'DEVNULL', 'run', 'call', 'check_call', 'check_output']),
  threading: new Set(['Thread', 'Lock', 'RLock', 'Condition', 'Semaphore', 'BoundedSemaphore', 'Event', 'Barrier']),
  'concurrent.futures': new Set(['ProcessPoolExecutor', 'ThreadPoolExecutor', 'as_completed', 'wait']),
  'multiprocessing.shared_memory': new Set(['SharedMemory', 'ShareableList']),
};

/** Modules whose import makes a file worth analysing (a file importing none of them cannot match). */
export const RELEVANT_MODULES = ['multiprocessing', 'concurrent', 'subprocess', 'threading'];

export function isRelevantModule(name: string): boolean {
  for (const m of RELEVANT_MODULES) if (name === m || name.startsWith(m + '.')) return true;
  return false;
}

// ---- groups of canonical names the rules test against ----

export const PROCESS = 'multiprocessing.Process';
export const POOL = 'multiprocessing.Pool';
export const MANAGER = 'multiprocessing.Manager';
export const SYNC_MANAGER = 'multiprocessing.managers.SyncManager';
export const PPE = 'concurrent.futures.ProcessPoolExecutor';
export const SHARED_MEMORY = 'multiprocessing.shared_memory.SharedMemory';
export const POPEN = 'subprocess.Popen';
export const PIPE_CONST = 'subprocess.PIPE';

/** Queues whose put() writes into an OS pipe, so a child that put data waits until it is read. */
export const MP_QUEUES = new Set(['multiprocessing.Queue', 'multiprocessing.JoinableQueue', 'multiprocessing.SimpleQueue']);

/** Any queue a process can block on in get(). */
export const ANY_QUEUES = new Set([...MP_QUEUES, 'manager.Queue', 'manager.JoinableQueue']);

/** Non-reentrant locks (re-acquiring one in the same thread deadlocks). */
export const PLAIN_LOCKS = new Set(['multiprocessing.Lock', 'threading.Lock', 'manager.Lock', '_thread.allocate_lock']);

/** Locks of any kind (for ordering and release rules). */
export const LOCKS = new Set([...PLAIN_LOCKS, 'multiprocessing.RLock', 'threading.RLock', 'manager.RLock']);

/** Synchronisation primitives a terminated process may leave in a bad state. */
export const SYNC_PRIMITIVES = new Set([
  ...LOCKS,
  'multiprocessing.Semaphore',
  'multiprocessing.BoundedSemaphore',
  'multiprocessing.Condition',
  'manager.Semaphore',
  'manager.BoundedSemaphore',
  'manager.Condition',
  'threading.Semaphore',
  'threading.BoundedSemaphore',
  'threading.Condition',
]);

/** Primitives that may only be shared with a child through inheritance (Process args), not pickled into a Pool task. */
export const INHERIT_ONLY = new Set([
  'multiprocessing.Lock',
  'multiprocessing.RLock',
  'multiprocessing.Semaphore',
  'multiprocessing.BoundedSemaphore',
  'multiprocessing.Condition',
  'multiprocessing.Event',
  'multiprocessing.Barrier',
  'multiprocessing.Queue',
  'multiprocessing.JoinableQueue',
  'multiprocessing.SimpleQueue',
  'multiprocessing.Value',
  'multiprocessing.Array',
]);

/** Pool methods that send a callable to worker processes (the callable is always pickled). */
export const POOL_TASK_METHODS = new Set([
  'map',
  'map_async',
  'imap',
  'imap_unordered',
  'starmap',
  'starmap_async',
  'apply',
  'apply_async',
]);

/** Executor methods that send a callable to worker processes. */
export const EXECUTOR_TASK_METHODS = new Set(['submit', 'map']);
