// The tree shown to people (view and CLI): which processes a filter includes, and where each
// one hangs. A process whose real parent is filtered out hangs under its nearest included
// ancestor, so `python -> sh -> python` still reads as one family.
import type { ProcessModel, ProcessNode } from './model';
import { isIdleWarmSupervisor } from './python';

/**
 * python:  your Python processes, everything descending from an mpscope launch, and the
 *          zombie children of those (a zombie is its parent's problem, whatever it ran); not
 *          mpscope's own supervisor while it waits for the next run;
 * all:     all your processes;
 * mpscope: only processes of mpscope runs.
 */
export type ProcessFilter = 'python' | 'all' | 'mpscope';

export const FILTER_LABELS: Record<ProcessFilter, string> = {
  python: 'Python processes',
  all: 'All my processes',
  mpscope: 'Only mpscope runs',
};

export interface ProcessTree {
  model: ProcessModel;
  filter: ProcessFilter;
  rootPid?: number;
  roots: string[];
  children: Map<string, string[]>;
  /** Parent in this tree (the nearest included ancestor); absent for roots. */
  parents: Map<string, string>;
  /** Included nodes, parents before children (depth-first order). */
  ordered: ProcessNode[];
  zombies: ProcessNode[];
  orphans: ProcessNode[];
}

export interface TreeOptions {
  /** Show only this process and its descendants (whatever the filter). */
  rootPid?: number;
}

function isOwn(model: ProcessModel, n: ProcessNode): boolean {
  return model.selfUid === undefined || n.record.uid === undefined || n.record.uid === model.selfUid;
}

/** The keys a filter includes. */
export function includedKeys(model: ProcessModel, filter: ProcessFilter, options: TreeOptions = {}): Set<string> {
  const out = new Set<string>();
  if (options.rootPid !== undefined) {
    const root = model.byPid.get(options.rootPid);
    if (!root) return out;
    const stack = [root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (out.has(n.key)) continue;
      out.add(n.key);
      for (const c of n.childKeys) stack.push(model.nodes.get(c)!);
    }
    return out;
  }
  for (const n of model.nodes.values()) {
    if (n.record.kernelThread) continue;
    const take =
      n.runMember ||
      (filter === 'python' && n.isPython && isOwn(model, n) && !isIdleWarmSupervisor(n.record.argv, n.childKeys.length)) ||
      (filter === 'all' && isOwn(model, n));
    if (take) out.add(n.key);
  }
  if (filter === 'python') {
    for (const n of model.nodes.values()) {
      if (n.zombie && n.parentKey && out.has(n.parentKey)) out.add(n.key);
    }
  }
  return out;
}

export function buildTree(model: ProcessModel, filter: ProcessFilter, options: TreeOptions = {}): ProcessTree {
  const included = includedKeys(model, filter, options);
  const parents = new Map<string, string>();
  const children = new Map<string, string[]>();
  const roots: string[] = [];
  const rootKey = options.rootPid !== undefined ? model.byPid.get(options.rootPid)?.key : undefined;

  for (const key of included) {
    let up = key === rootKey ? undefined : model.nodes.get(key)!.parentKey;
    const guard = new Set<string>([key]);
    while (up && !included.has(up) && !guard.has(up)) {
      guard.add(up);
      up = model.nodes.get(up)?.parentKey;
    }
    if (up && included.has(up) && up !== key) {
      parents.set(key, up);
      const list = children.get(up);
      if (list) list.push(key);
      else children.set(up, [key]);
    } else {
      roots.push(key);
    }
  }

  const byStart = (a: string, b: string): number => {
    const x = model.nodes.get(a)!;
    const y = model.nodes.get(b)!;
    const dt = (x.record.startTime || 0) - (y.record.startTime || 0);
    return dt !== 0 && !Number.isNaN(dt) ? dt : x.pid - y.pid;
  };
  roots.sort(byStart);
  for (const list of children.values()) list.sort(byStart);

  const ordered: ProcessNode[] = [];
  const visit = (key: string): void => {
    ordered.push(model.nodes.get(key)!);
    for (const c of children.get(key) ?? []) visit(c);
  };
  for (const r of roots) visit(r);

  return {
    model,
    filter,
    rootPid: options.rootPid,
    roots,
    children,
    parents,
    ordered,
    zombies: ordered.filter((n) => n.zombie),
    orphans: ordered.filter((n) => n.orphan),
  };
}

/** Depth of a node in the tree (roots are 0). */
export function depthOf(tree: ProcessTree, key: string): number {
  let d = 0;
  let up = tree.parents.get(key);
  while (up) {
    d++;
    up = tree.parents.get(up);
  }
  return d;
}
