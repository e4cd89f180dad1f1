// Multiprocessing roles, recognised from command lines and ancestry alone (no instrumentation):
//   spawn children    python -c "from multiprocessing.spawn import spawn_main; spawn_main(...)" --multiprocessing-fork
//   the forkserver    python -c "from multiprocessing.forkserver import main; main(...)"
//   forkserver kids   forked by the forkserver, so they keep its command line
//   resource_tracker  python -c "from multiprocessing.resource_tracker import main;main(fd)"
//                     (semaphore_tracker before Python 3.8)
//   fork children     os.fork()/fork start method: the parent's command line, under that parent
// Pool workers look exactly like other children from outside; they are recognised by the
// multiprocessing name (`ForkPoolWorker-2`) when an mpscope run reports it.

export type ProcessRole =
  | 'main'
  | 'fork-child'
  | 'spawn-child'
  | 'forkserver'
  | 'forkserver-child'
  | 'resource-tracker'
  | 'pool-worker'
  /** A Python process whose command line is gone (a zombie mpscope never saw alive) or hidden. */
  | 'unknown'
  /** Not a Python process. */
  | 'other';

export type MpMarker = 'spawn' | 'forkserver' | 'resource-tracker';

const SPAWN = /from multiprocessing\.spawn import spawn_main/;
const FORKSERVER = /from multiprocessing\.forkserver import main/;
const TRACKER = /from multiprocessing\.(?:resource_tracker|semaphore_tracker) import main/;

/** The multiprocessing bootstrap a command line runs, if any. */
export function mpMarker(command: string, argv?: string[]): MpMarker | undefined {
  if (TRACKER.test(command)) return 'resource-tracker';
  if (FORKSERVER.test(command)) return 'forkserver';
  if (SPAWN.test(command) || (argv ?? command.split(/\s+/)).includes('--multiprocessing-fork')) return 'spawn';
  return undefined;
}

/** Helpers that multiprocessing starts for itself: never the user's own (unjoined) children. */
export function isHelperRole(role: ProcessRole): boolean {
  return role === 'forkserver' || role === 'resource-tracker';
}

/** Roles that multiprocessing itself starts (a child of some Python parent). */
export function isMpChildRole(role: ProcessRole): boolean {
  return (
    role === 'spawn-child' ||
    role === 'forkserver' ||
    role === 'forkserver-child' ||
    role === 'resource-tracker' ||
    role === 'pool-worker'
  );
}

export interface RoleSubject {
  command: string;
  argv?: string[];
  isPython: boolean;
  /** mpMarker(command, argv), when the caller already worked it out ('none' for no marker). */
  marker?: MpMarker | 'none';
}

export interface RoleParent extends RoleSubject {
  role: ProcessRole;
}

/**
 * The role of one process, given its (already classified) real parent. `mpName` is the
 * multiprocessing name an mpscope run reported (`SpawnPoolWorker-1`), when there is one.
 */
export function classifyRole(p: RoleSubject, parent: RoleParent | undefined, mpName?: string): ProcessRole {
  const role = structuralRole(p, parent);
  if (mpName && /PoolWorker/.test(mpName) && (role === 'fork-child' || role === 'spawn-child' || role === 'forkserver-child')) {
    return 'pool-worker';
  }
  return role;
}

function structuralRole(p: RoleSubject, parent: RoleParent | undefined): ProcessRole {
  const marker = p.marker === undefined ? mpMarker(p.command, p.argv) : p.marker === 'none' ? undefined : p.marker;
  if (marker === 'resource-tracker') return 'resource-tracker';
  // A forked child keeps its parent's command line (fork without exec).
  if (parent && parent.isPython && p.command !== '' && p.command === parent.command) {
    return parent.role === 'forkserver' ? 'forkserver-child' : 'fork-child';
  }
  if (marker === 'forkserver') return 'forkserver';
  if (marker === 'spawn') return 'spawn-child';
  if (!p.isPython) return 'other';
  if (p.command === '') return 'unknown';
  return 'main';
}

/** The start method a role implies, when it implies one. */
export function startMethodOf(role: ProcessRole): 'fork' | 'spawn' | 'forkserver' | undefined {
  switch (role) {
    case 'fork-child':
      return 'fork';
    case 'spawn-child':
      return 'spawn';
    case 'forkserver-child':
      return 'forkserver';
    default:
      return undefined;
  }
}

/** How a role reads in the UI and the CLI. */
export const ROLE_LABELS: Record<ProcessRole, string> = {
  main: 'main script',
  'fork-child': 'fork child',
  'spawn-child': 'spawn child',
  forkserver: 'forkserver (helper)',
  'forkserver-child': 'forkserver child',
  'resource-tracker': 'resource_tracker (helper)',
  'pool-worker': 'Pool worker',
  unknown: 'Python process',
  other: 'process',
};
