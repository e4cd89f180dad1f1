// Orphan detection: a process whose original parent died and which was re-parented.
//
// The new parent is NOT necessarily PID 1: under systemd user sessions, in containers (tini,
// dumb-init...) and below any process that set PR_SET_CHILD_SUBREAPER, orphans go to the nearest
// subreaper. Linux does not expose the subreaper flag in /proc, so "ppid == 1" is never the test.
// Instead each rule below looks at evidence and says what it saw; the first rule that fires is
// the one reported, strongest first.

import { isMpChildRole, type ProcessRole } from './roles';

export type OrphanRule =
  | 'launched-parent-changed'
  | 'observed-reparent'
  | 'session-mismatch'
  | 'group-leader-gone'
  | 'mp-child-foreign-parent'
  | 'python-under-init';

/** proof: the ppid was seen to change. strong: cannot happen to a child of its first parent. weak: a guess. */
export type EvidenceStrength = 'proof' | 'strong' | 'weak';

export interface OrphanEvidence {
  rule: OrphanRule;
  strength: EvidenceStrength;
  /** One sentence for people: what was seen. */
  detail: string;
}

/** What each rule means, for tooltips, `mpscope ps --help` and the README. */
export const ORPHAN_RULES: Record<OrphanRule, { strength: EvidenceStrength; summary: string }> = {
  'launched-parent-changed': {
    strength: 'proof',
    summary: 'mpscope started it under a parent that is no longer its parent',
  },
  'observed-reparent': {
    strength: 'proof',
    summary: 'mpscope saw its parent pid change (only an adoption changes a ppid)',
  },
  'session-mismatch': {
    strength: 'strong',
    summary: 'it is not a session leader, yet its session differs from its parent\'s (children inherit their parent\'s session)',
  },
  'group-leader-gone': {
    strength: 'strong',
    summary: 'its parent is init or a subreaper and the leader of its process group has exited',
  },
  'mp-child-foreign-parent': {
    strength: 'strong',
    summary: 'its command line is a multiprocessing child\'s, but its parent is not a Python process',
  },
  'python-under-init': {
    strength: 'weak',
    summary: 'a Python child of init or a subreaper, where sessions cannot be read (a guess)',
  },
};

/**
 * Names of programs that adopt orphans: inits and the subreapers of user sessions and
 * containers (`systemd --user`, tini, dumb-init, catatonit, conmon, containerd-shim, s6).
 * Kernel `comm` is cut at 15 characters, hence "containerd-shim".
 */
export const KNOWN_ADOPTER_NAMES = new Set([
  'systemd',
  'init',
  'launchd',
  'tini',
  'dumb-init',
  'docker-init',
  'catatonit',
  'conmon',
  'containerd-shim',
  's6-svscan',
]);

/** The facts about one process that the rules look at. */
export interface OrphanSubject {
  pid: number;
  ppid: number;
  pgid?: number;
  sid?: number;
  isPython: boolean;
  role: ProcessRole;
  /** The parent pid mpscope recorded when it launched this process. */
  launchedUnder?: number;
  /** The first ppid mpscope saw for this process. */
  firstPpid?: number;
}

export interface OrphanParent {
  pid: number;
  name: string;
  pgid?: number;
  sid?: number;
  isPython: boolean;
}

export interface OrphanContext {
  /** The real current parent, if it is in the snapshot. */
  parent?: OrphanParent;
  /** Is the parent init or a known or learned subreaper? */
  parentIsAdopter: boolean;
  /** Does a process still lead this process group? (pid == pgid and alive) */
  groupLeaderAlive?: boolean;
  /** The back end reads sessions and process groups. */
  sessionsKnown: boolean;
}

const who = (p: OrphanParent | undefined, ppid: number): string => (p ? `${p.pid} (${p.name})` : String(ppid));

/** All the rules that fire for this process, strongest first; empty when it is not an orphan. */
const NONE: OrphanEvidence[] = [];

function add(out: OrphanEvidence[], rule: OrphanRule, detail: string): void {
  out.push({ rule, strength: ORPHAN_RULES[rule].strength, detail });
}

export function orphanEvidence(s: OrphanSubject, ctx: OrphanContext): OrphanEvidence[] {
  if (s.pid <= 1 || s.ppid === 0) return NONE;
  const out: OrphanEvidence[] = [];
  const parent = ctx.parent;

  if (s.launchedUnder !== undefined) {
    // mpscope knows the original parent: that settles it either way.
    if (s.launchedUnder === s.ppid) return NONE;
    add(
      out,
      'launched-parent-changed',
      `mpscope started it under pid ${s.launchedUnder}; its parent is now ${who(parent, s.ppid)}, which adopted it after ${s.launchedUnder} exited`,
    );
    return out;
  }
  if (s.firstPpid !== undefined && s.firstPpid !== s.ppid) {
    add(out, 'observed-reparent', `its parent was ${s.firstPpid} when mpscope first saw it; now it is ${who(parent, s.ppid)}`);
  }
  if (ctx.sessionsKnown && parent && s.sid !== undefined && parent.sid !== undefined) {
    if (s.sid > 0 && s.sid !== s.pid && s.sid !== parent.sid) {
      add(
        out,
        'session-mismatch',
        `it is in session ${s.sid} but its parent ${who(parent, s.ppid)} is in session ${parent.sid}: children inherit their parent's session, so its original parent (of session ${s.sid}) exited and ${s.ppid} adopted it`,
      );
    }
  }
  if (
    ctx.sessionsKnown &&
    ctx.parentIsAdopter &&
    s.pgid !== undefined &&
    s.pgid > 0 &&
    s.pgid !== s.pid &&
    ctx.groupLeaderAlive === false &&
    parent?.pgid !== s.pgid
  ) {
    add(out, 'group-leader-gone', `its parent ${who(parent, s.ppid)} adopts orphans and the leader of its process group ${s.pgid} has exited`);
  }
  if (isMpChildRole(s.role) && (!parent || !parent.isPython)) {
    add(out, 'mp-child-foreign-parent', `its command line is a multiprocessing ${s.role}, but its parent ${who(parent, s.ppid)} is not a Python process`);
  }
  if (!ctx.sessionsKnown && s.isPython && ctx.parentIsAdopter) {
    add(out, 'python-under-init', `its parent ${who(parent, s.ppid)} is init or a subreaper; without session information this is a guess`);
  }
  return out;
}
