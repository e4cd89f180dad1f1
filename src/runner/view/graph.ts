// The wait-for graph of a run as the report webview draws it: processes and primitives are nodes,
// "waits for" goes from a process to a primitive and "held by" from a primitive to its holder.
// A deadlock is a cycle in this graph; the cycle is found here (strongly connected components),
// not trusted from the drawing, so that what is highlighted is what the edges say.
import {
  type ReportModel,
  type SourceLocation,
  type ViewFinding,
  processName,
} from './model';

export type GraphNodeKind = 'process' | 'primitive';
export type GraphEdgeKind = 'waits-for' | 'held-by';

export interface GraphNode {
  id: string;
  kind: GraphNodeKind;
  /** Short label for the drawing (may contain "\n"). */
  label: string;
  /** Longer text for a tooltip. */
  detail: string;
  pid?: number;
  /** Primitive kind ("Lock", "Queue") for primitives. */
  primitiveKind?: string;
  /** Process state at the end of the report. */
  state?: 'blocked' | 'exited' | 'alive';
  inCycle: boolean;
  /** Where clicking the node leads: the wait site for a process, the acquisition for a lock. */
  location?: SourceLocation;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  kind: GraphEdgeKind;
  label: string;
  inCycle: boolean;
  location?: SourceLocation;
}

export interface WaitForGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Node ids of each cycle found (one list per strongly connected component with a cycle). */
  cycles: string[][];
}

const processId = (pid: number) => `p:${pid}`;
const primitiveId = (id: string) => `o:${id}`;

function basename(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

export function formatLocation(loc: SourceLocation | undefined): string {
  return loc ? `${basename(loc.file)}:${loc.line}` : '';
}

/**
 * The wait-for graph of the deadlock findings of a report (all of them, or those given).
 * Processes named by a finding but without recorded waits still appear, so a dead holder
 * or a lone self-deadlock is visible.
 */
export function buildWaitForGraph(model: ReportModel, findings?: ViewFinding[]): WaitForGraph {
  const selected = findings ?? model.findings.filter((f) => f.kind === 'deadlock');
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const blocked = new Set<number>();
  for (const f of selected) for (const w of f.waits) blocked.add(w.pid);

  const addProcess = (pid: number, location?: SourceLocation) => {
    const id = processId(pid);
    const existing = nodes.get(id);
    if (existing) {
      if (!existing.location && location) existing.location = location;
      return id;
    }
    const proc = model.processes.find((p) => p.pid === pid);
    const state: GraphNode['state'] = blocked.has(pid)
      ? 'blocked'
      : proc?.endMs !== undefined || (proc?.exitCode !== undefined && proc.exitCode !== null)
        ? 'exited'
        : 'alive';
    const name = processName(model, pid);
    const exit =
      state === 'exited' && proc?.exitCode !== undefined && proc.exitCode !== null
        ? `, exit ${proc.exitCode}`
        : '';
    nodes.set(id, {
      id,
      kind: 'process',
      label: name === `pid ${pid}` ? name : `${name}\npid ${pid}`,
      detail: `${name} (pid ${pid})${state === 'exited' ? ` exited${exit}` : state === 'blocked' ? ' is blocked' : ''}`,
      pid,
      state,
      inCycle: false,
      location: location ?? proc?.startSite,
    });
    return id;
  };

  for (const f of selected) {
    for (const w of f.waits) {
      const from = addProcess(w.pid, w.site);
      if (w.targetPid !== undefined) {
        // A join waits for a process, not for a primitive: draw it straight to that process.
        const to = addProcess(w.targetPid);
        const id = `${from}->${to}`;
        if (!edges.has(id)) {
          edges.set(id, { id, source: from, target: to, kind: 'waits-for', label: 'joins', inCycle: false, location: w.site });
        }
        continue;
      }
      const prim = primitiveId(w.primitive.id);
      if (!nodes.has(prim)) {
        nodes.set(prim, {
          id: prim,
          kind: 'primitive',
          label: w.primitive.label,
          detail: `${w.primitive.kind} ${w.primitive.label}`,
          primitiveKind: w.primitive.kind,
          inCycle: false,
          location: w.holders.find((h) => h.site)?.site,
        });
      }
      const waitId = `${from}->${prim}`;
      if (!edges.has(waitId)) {
        edges.set(waitId, {
          id: waitId,
          source: from,
          target: prim,
          kind: 'waits-for',
          label: 'waits for',
          inCycle: false,
          location: w.site,
        });
      }
      for (const h of w.holders) {
        const to = addProcess(h.pid);
        if (h.dead) {
          const n = nodes.get(to)!;
          if (n.state !== 'blocked') n.state = 'exited';
        }
        const heldId = `${prim}->${to}`;
        if (!edges.has(heldId)) {
          edges.set(heldId, {
            id: heldId,
            source: prim,
            target: to,
            kind: 'held-by',
            label: 'held by',
            inCycle: false,
            location: h.site,
          });
        }
      }
    }
    for (const pid of f.pids) addProcess(pid);
  }

  const nodeList = [...nodes.values()];
  const edgeList = [...edges.values()];
  const cycles = findCycles(
    nodeList.map((n) => n.id),
    edgeList,
  );
  const inCycle = new Map<string, number>();
  cycles.forEach((c, i) => c.forEach((id) => inCycle.set(id, i)));
  for (const n of nodeList) n.inCycle = inCycle.has(n.id);
  for (const e of edgeList) {
    const a = inCycle.get(e.source);
    e.inCycle = a !== undefined && a === inCycle.get(e.target);
  }
  return { nodes: nodeList, edges: edgeList, cycles };
}

/**
 * Strongly connected components that contain a cycle (more than one node, or a self-loop),
 * by Tarjan's algorithm. Iterative, so that a large graph cannot overflow the stack.
 */
export function findCycles(nodeIds: string[], edges: Array<{ source: string; target: string }>): string[][] {
  const out = new Map<string, string[]>();
  for (const id of nodeIds) out.set(id, []);
  const selfLoop = new Set<string>();
  for (const e of edges) {
    out.get(e.source)?.push(e.target);
    if (e.source === e.target) selfLoop.add(e.source);
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const result: string[][] = [];

  for (const root of nodeIds) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; next: number }> = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const succ = out.get(frame.node) ?? [];
      if (frame.next < succ.length) {
        const w = succ[frame.next++];
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, next: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.node);
        if (component.length > 1 || selfLoop.has(component[0])) result.push(component.reverse());
      }
    }
  }
  return result;
}

/**
 * The cycle of a deadlock finding as a readable chain, following "waits for" and "held by" from
 * the first waiting process: "Process-1 → Lock#2 → Process-2 → Lock#1 → Process-1".
 * For a wait on a dead holder the chain ends at the holder: "Process-2 → Lock#1 → Process-1 (exited)".
 */
export function cycleChain(model: ReportModel, finding: ViewFinding, fromPid?: number): string[] {
  if (finding.waits.length === 0) return [];
  const waitOf = new Map<number, (typeof finding.waits)[number]>();
  for (const w of finding.waits) if (!waitOf.has(w.pid)) waitOf.set(w.pid, w);
  // From the process asked about (the hovered line's), else from the cycle's first member.
  const start =
    (fromPid !== undefined && waitOf.has(fromPid) ? fromPid : undefined) ??
    finding.cycle.find((pid) => waitOf.has(pid)) ??
    finding.waits[0].pid;
  const chain: string[] = [];
  const seen = new Set<number>();
  let pid: number | undefined = start;
  while (pid !== undefined) {
    chain.push(processName(model, pid));
    if (seen.has(pid)) break;
    seen.add(pid);
    const w = waitOf.get(pid);
    if (!w) break;
    chain.push(w.primitive.label);
    // Prefer a holder that itself waits: that is the one that continues the cycle.
    const next: (typeof w.holders)[number] | undefined =
      w.holders.find((h) => waitOf.has(h.pid)) ?? w.holders[0];
    if (!next) break;
    if (next.dead || !waitOf.has(next.pid)) {
      chain.push(`${processName(model, next.pid)}${next.dead ? ' (exited)' : ''}`);
      break;
    }
    pid = next.pid;
  }
  return chain;
}
