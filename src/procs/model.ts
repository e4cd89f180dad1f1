// Turns one snapshot (records + tracker observations + launch registry) into the process model:
// real parent links (checked against start times), multiprocessing roles, zombies and orphans.
// Pure apart from the objects passed in, so every rule is unit-tested on synthetic snapshots.
import type { LaunchRegistry, ProcessAnnotation } from './launches';
import { KNOWN_ADOPTER_NAMES, orphanEvidence, type OrphanEvidence } from './orphans';
import { isPythonProcess } from './python';
import { classifyRole, isHelperRole, isMpChildRole, mpMarker, startMethodOf, type MpMarker, type ProcessRole } from './roles';
import type { Observation, Remembered } from './tracker';
import { recordKey, type ProcessRecord, type SourceCapabilities } from './types';

/**
 * What never changes for one record object: worked out once. Back ends hand out the same
 * record object again for a process they did not re-read, so at 1 Hz most of this is cached.
 */
interface Derived {
  key: string;
  command: string;
  isPython: boolean;
  marker: MpMarker | 'none';
}
const derivedCache = new WeakMap<ProcessRecord, Derived>();

function derive(r: ProcessRecord, command: string, argv: string[]): Derived {
  const hit = derivedCache.get(r);
  if (hit && hit.command === command) return hit;
  const d: Derived = {
    key: recordKey(r),
    command,
    isPython: !r.kernelThread && isPythonProcess({ name: r.name, argv, command }),
    marker: mpMarker(command, argv) ?? 'none',
  };
  derivedCache.set(r, d);
  return d;
}

export interface ZombieInfo {
  /** The parent that has not reaped it (waitpid) yet. */
  parentPid: number;
  parentName?: string;
  parentKey?: string;
  /** First snapshot that showed it as a zombie (it has been one at least since then). */
  zombieSince: number;
  /** Last snapshot that showed it alive: it exited between this and `zombieSince`. */
  lastAliveAt?: number;
  /** True when the parent is init or a subreaper, which normally reaps at once. */
  parentIsAdopter: boolean;
}

export interface ProcessNode {
  key: string;
  pid: number;
  ppid: number;
  record: ProcessRecord;
  /** The real parent in this snapshot; undefined when the ppid is not in it, or fails the start-time check. */
  parentKey?: string;
  /** Why there is no parent: none (ppid 0), missing (not visible), started-later (ppid was reused). */
  parentNote?: 'none' | 'missing' | 'started-later';
  childKeys: string[];
  isPython: boolean;
  /** The multiprocessing bootstrap its command line runs ('none' for a plain command). */
  marker: MpMarker | 'none';
  role: ProcessRole;
  helper: boolean;
  startMethod?: 'fork' | 'spawn' | 'forkserver';
  /** The command line, or for a zombie the last one mpscope saw alive. */
  command: string;
  argv: string[];
  cpuPercent?: number;
  cpuBasis: 'interval' | 'os' | 'none';
  zombie?: ZombieInfo;
  /** Evidence that it was orphaned, strongest first; undefined when it was not. */
  orphan?: OrphanEvidence[];
  /** Started by mpscope (the launch registry says so). */
  launched: boolean;
  /** The parent pid mpscope started it under, when it did. */
  launchedUnder?: number;
  /** Launched by mpscope, or a descendant of such a process (sticky across re-parenting). */
  runMember: boolean;
  annotation?: ProcessAnnotation;
  firstSeenAt: number;
}

export interface ProcessModel {
  takenAt: number;
  /**
   * True when the model holds only what the default view needs (Python processes, zombies,
   * mpscope runs, their ancestors and group leaders), not every process of the machine.
   */
  partial: boolean;
  sourceId: string;
  capabilities: SourceCapabilities;
  selfPid: number;
  selfUid?: number;
  nodes: Map<string, ProcessNode>;
  byPid: Map<number, ProcessNode>;
}

export interface ModelContext {
  takenAt: number;
  sourceId: string;
  capabilities: SourceCapabilities;
  observations: ReadonlyMap<string, Observation>;
  registry?: LaunchRegistry;
  /** Learned subreapers (processes seen adopting), by key. */
  isLearnedAdopter?: (key: string) => boolean;
  selfPid?: number;
  selfUid?: number;
  /** PID of init in this PID namespace. */
  initPid?: number;
  /** The records are a relevant subset (see ProcessModel.partial). */
  partial?: boolean;
}

/**
 * Is `parent` plausibly the parent of `child`? A parent cannot start after its child: if it
 * did, the ppid was reused by a newer process between our reads (the real parent is gone).
 */
export function startedInOrder(parent: ProcessRecord, child: ProcessRecord): boolean {
  if (Number.isNaN(parent.startTime) || Number.isNaN(child.startTime)) return true;
  return parent.startTime <= child.startTime;
}

export function buildModel(records: readonly ProcessRecord[], ctx: ModelContext): ProcessModel {
  const nodes = new Map<string, ProcessNode>();
  const byPid = new Map<number, ProcessNode>();
  const initPid = ctx.initPid ?? 1;

  for (const r of records) {
    const zombie = r.state === 'zombie';
    const obs = ctx.observations.get(recordKey(r));
    // A zombie has no command line left; show the one it had when mpscope saw it alive.
    const command = r.command || (zombie ? (obs?.lastCommand ?? '') : '');
    const argv = r.command ? (r.argv ?? []) : zombie ? (obs?.lastArgv ?? []) : [];
    const derived = derive(r, command, argv);
    const key = derived.key;
    if (nodes.has(key)) continue;
    const node: ProcessNode = {
      key,
      pid: r.pid,
      ppid: r.ppid,
      record: r,
      childKeys: [],
      isPython: derived.isPython,
      marker: derived.marker,
      role: 'other',
      helper: false,
      command,
      argv,
      cpuPercent: zombie ? undefined : obs?.cpuPercent,
      cpuBasis: obs?.cpuBasis ?? 'none',
      launched: false,
      runMember: false,
      firstSeenAt: obs?.firstSeenAt ?? ctx.takenAt,
    };
    if (ctx.registry) {
      const launch = ctx.registry.launchOf(r.pid, r.startToken);
      node.launched = launch !== undefined;
      node.launchedUnder = launch?.originalPpid;
      node.annotation = ctx.registry.annotationOf(r.pid, r.startToken);
    }
    nodes.set(key, node);
    byPid.set(r.pid, node);
  }

  // Parent links, with the start-time check against PID reuse.
  for (const node of nodes.values()) {
    const parent = node.ppid > 0 ? byPid.get(node.ppid) : undefined;
    if (node.ppid <= 0) node.parentNote = 'none';
    else if (!parent || parent === node) node.parentNote = 'missing';
    else if (!startedInOrder(parent.record, node.record)) node.parentNote = 'started-later';
    else {
      node.parentKey = parent.key;
      parent.childKeys.push(node.key);
    }
  }
  for (const node of nodes.values()) {
    node.childKeys.sort((a, b) => nodes.get(a)!.pid - nodes.get(b)!.pid);
  }

  // Roles and run membership need the parent's first: resolve top-down, with a cycle guard.
  // 0 = not yet, 1 = in progress (a cycle guard), 2 = done.
  const state = new Map<ProcessNode, 1 | 2>();
  const resolve = (node: ProcessNode): void => {
    if (state.has(node)) return;
    state.set(node, 1);
    const parent = node.parentKey ? nodes.get(node.parentKey) : undefined;
    if (parent) resolve(parent);
    const obs = ctx.observations.get(node.key);
    let role = classifyRole(node, parent, node.annotation?.mpName);
    if (role === 'unknown' && obs?.lastRole) role = obs.lastRole;
    node.role = role;
    node.helper = isHelperRole(role);
    node.startMethod = node.annotation?.startMethod ?? startMethodOf(role);
    node.runMember = node.launched || (obs?.runMember ?? false) || (parent?.runMember ?? false);
    state.set(node, 2);
  };
  for (const node of nodes.values()) resolve(node);

  const isAdopter = (p: ProcessNode | undefined): boolean =>
    !!p &&
    (p.pid === initPid ||
      (ctx.registry?.isSubreaper(p.pid) ?? false) ||
      (ctx.isLearnedAdopter?.(p.key) ?? false) ||
      KNOWN_ADOPTER_NAMES.has(p.record.name));

  for (const node of nodes.values()) {
    const r = node.record;
    if (r.kernelThread) continue;
    const parent = node.parentKey ? nodes.get(node.parentKey) : undefined;
    const obs = ctx.observations.get(node.key);
    if (r.state === 'zombie') {
      const ppidNode = byPid.get(node.ppid);
      node.zombie = {
        parentPid: node.ppid,
        parentName: ppidNode?.record.name,
        parentKey: ppidNode?.key,
        zombieSince: obs?.zombieSince ?? ctx.takenAt,
        lastAliveAt: obs?.lastAliveAt,
        parentIsAdopter: isAdopter(ppidNode),
      };
    }
    // Most processes cannot be orphans by any rule: skip the rules unless one of their
    // preconditions holds (a launch record, a ppid that changed, another session than the
    // parent's, an adopting parent, a multiprocessing child under a non-Python parent).
    const parentIsAdopter = isAdopter(parent);
    const plausible =
      node.launchedUnder !== undefined ||
      (obs !== undefined && obs.firstPpid !== r.ppid) ||
      (parent !== undefined && r.sid !== undefined && parent.record.sid !== r.sid) ||
      parentIsAdopter ||
      (isMpChildRole(node.role) && !parent?.isPython) ||
      !ctx.capabilities.sessions;
    if (!plausible) continue;
    let groupLeaderAlive: boolean | undefined;
    if (r.pgid !== undefined && r.pgid > 0) {
      const leader = byPid.get(r.pgid);
      groupLeaderAlive = !!leader && leader.record.pgid === r.pgid && leader.record.state !== 'zombie';
    }
    const evidence = orphanEvidence(
      {
        pid: r.pid,
        ppid: r.ppid,
        pgid: r.pgid,
        sid: r.sid,
        isPython: node.isPython,
        role: node.role,
        launchedUnder: node.launchedUnder,
        firstPpid: obs?.firstPpid,
      },
      {
        parent: parent
          ? {
              pid: parent.pid,
              name: parent.record.name,
              pgid: parent.record.pgid,
              sid: parent.record.sid,
              isPython: parent.isPython,
            }
          : undefined,
        parentIsAdopter,
        groupLeaderAlive,
        sessionsKnown: ctx.capabilities.sessions,
      },
    );
    if (evidence.length > 0) node.orphan = evidence;
  }

  return {
    takenAt: ctx.takenAt,
    partial: ctx.partial ?? false,
    sourceId: ctx.sourceId,
    capabilities: ctx.capabilities,
    selfPid: ctx.selfPid ?? process.pid,
    selfUid: ctx.selfUid,
    nodes,
    byPid,
  };
}

/** What the tracker keeps from a model for the next snapshot (the nodes themselves: no copies). */
export function rememberedFrom(model: ProcessModel): Iterable<Remembered> {
  return model.nodes.values();
}
