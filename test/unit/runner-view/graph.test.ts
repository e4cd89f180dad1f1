import * as assert from 'assert';
import { buildWaitForGraph, cycleChain, findCycles } from '../../../src/runner/view/graph';
import { normalizeReport } from '../../../src/runner/view/model';
import { SCRIPT, deadlockReport } from './sample-reports';

describe('runner/view graph: the wait-for graph', () => {
  it('draws processes and primitives, "waits for" and "held by", and finds the cycle', () => {
    const m = normalizeReport(deadlockReport());
    const g = buildWaitForGraph(m);
    assert.deepStrictEqual(g.nodes.map((n) => n.id).sort(), ['o:L1', 'o:L2', 'p:101', 'p:102']);
    assert.deepStrictEqual(
      g.edges.map((e) => `${e.source} ${e.kind} ${e.target}`).sort(),
      ['o:L1 held-by p:101', 'o:L2 held-by p:102', 'p:101 waits-for o:L2', 'p:102 waits-for o:L1'],
    );
    assert.ok(g.nodes.every((n) => n.inCycle));
    assert.ok(g.edges.every((e) => e.inCycle));
    assert.strictEqual(g.cycles.length, 1);
    const p1 = g.nodes.find((n) => n.id === 'p:101')!;
    assert.strictEqual(p1.label, 'Process-1\npid 101');
    assert.strictEqual(p1.state, 'blocked');
    assert.deepStrictEqual(p1.location, { file: SCRIPT, line: 9, pid: 101, role: 'waits' });
    // A lock node leads to where it was acquired.
    assert.strictEqual(g.nodes.find((n) => n.id === 'o:L1')!.location?.line, 8);
  });

  it('does not mark a wait on a dead holder as a cycle', () => {
    const m = normalizeReport({
      processes: [
        { pid: 1, name: 'MainProcess' },
        { pid: 2, name: 'Process-1', exitCode: -9, endMs: 100 },
      ],
      findings: [
        {
          kind: 'deadlock',
          severity: 'error',
          message: 'MainProcess waits for Lock#1, held by Process-1, which exited',
          pids: [1, 2],
          waits: [{ pid: 1, primitive: 'Lock#1', holders: [{ pid: 2, dead: true, site: { file: 'a.py', line: 3 } }] }],
        },
      ],
    });
    const g = buildWaitForGraph(m);
    assert.deepStrictEqual(g.cycles, []);
    assert.strictEqual(g.nodes.find((n) => n.id === 'p:2')!.state, 'exited');
    assert.deepStrictEqual(cycleChain(m, m.findings[0]), ['MainProcess', 'Lock#1', 'Process-1 (exited)']);
  });

  it('reads the cycle as a chain starting from the first waiting process', () => {
    const m = normalizeReport(deadlockReport());
    assert.deepStrictEqual(cycleChain(m, m.findings[0]), ['Process-1', 'Lock#2', 'Process-2', 'Lock#1', 'Process-1']);
  });

  it('finds self-loops, separate cycles, and ignores acyclic parts (Tarjan)', () => {
    const e = (s: string, t: string) => ({ source: s, target: t });
    const cycles = findCycles(
      ['a', 'b', 'c', 'd', 'e', 'f'],
      [e('a', 'b'), e('b', 'a'), e('b', 'c'), e('d', 'd'), e('e', 'f')],
    );
    assert.deepStrictEqual(cycles.map((c) => c.sort()).sort(), [['a', 'b'], ['d']]);
  });

  it('handles a long chain without recursion limits', () => {
    const n = 50_000;
    const ids = Array.from({ length: n }, (_, i) => `n${i}`);
    const edges = ids.map((id, i) => ({ source: id, target: ids[(i + 1) % n] }));
    const cycles = findCycles(ids, edges);
    assert.strictEqual(cycles.length, 1);
    assert.strictEqual(cycles[0].length, n);
  });
});

describe('runner/view graph: the deadlock detector\'s details', () => {
  it('reads waits, holders, joins, the cycle and the stacks as src/runner/deadlock writes them', () => {
    const t0 = 1_795_000_000_000;
    const site = (line: number, fn = 'worker') => ({ file: '/app/lock_cycle.py', line, function: fn });
    const m = normalizeReport({
      script: '/app/lock_cycle.py',
      startedAt: t0,
      durationMs: 3000,
      processes: [
        { pid: 10, ppid: null, name: 'MainProcess', role: 'main', startTime: t0 + 100, endTime: null, exitCode: null },
        { pid: 11, ppid: 10, name: 'Process-1', role: 'child', startSite: site(25, '<module>'), startTime: t0 + 200, endTime: null },
        { pid: 12, ppid: 10, name: 'Process-2', role: 'child', startSite: site(25, '<module>'), startTime: t0 + 210, endTime: null },
      ],
      findings: [
        {
          kind: 'deadlock',
          severity: 'error',
          message: 'Deadlock (a cycle of 2 processes): ...',
          pids: [11, 12, 10],
          locations: [],
          details: {
            type: 'cycle',
            waits: [
              { pid: 11, thread: 'MainThread', op: 'lock', primitive: { id: 'L:1', kind: 'Lock', label: 'Lock#2' }, site: site(14), since: t0 + 900, target: null, holders: [{ pid: 12, thread: 5, site: site(12), dead: false }] },
              { pid: 12, thread: 'MainThread', op: 'lock', primitive: { id: 'L:0', kind: 'Lock', label: 'Lock#1' }, site: site(14), since: t0 + 905, target: null, holders: [{ pid: 11, thread: 7, site: site(12), dead: false }] },
              { pid: 10, thread: 'MainThread', op: 'process-join', primitive: { id: 'process:11', kind: 'Process', label: 'Process-1 (pid 11)' }, site: site(29, '<module>'), since: t0 + 300, target: 11, holders: [] },
            ],
            cycle: [11, 12],
            stacks: { '11': [{ thread: 'MainThread', frames: [site(14)], held: [], wait: null }] },
            formedAt: t0 + 905,
          },
        },
      ],
    });
    const f = m.findings[0];
    assert.deepStrictEqual(f.waits.map((w) => [w.pid, w.op, w.sinceMs, w.targetPid]), [
      [11, 'lock', 900, undefined],
      [12, 'lock', 905, undefined],
      [10, 'process-join', 300, 11],
    ]);
    assert.deepStrictEqual(f.cycle, [11, 12]);
    assert.strictEqual(f.stacks.get(11)?.[0].frames[0].line, 14);
    const g = buildWaitForGraph(m);
    // The main process joins Process-1: an edge to it, outside the cycle.
    const join = g.edges.find((e) => e.source === 'p:10')!;
    assert.deepStrictEqual([join.target, join.label, join.inCycle], ['p:11', 'joins', false]);
    assert.deepStrictEqual(g.nodes.filter((n) => n.inCycle).map((n) => n.id).sort(), ['o:L:0', 'o:L:1', 'p:11', 'p:12']);
    assert.deepStrictEqual(cycleChain(m, f), ['Process-1', 'Lock#2', 'Process-2', 'Lock#1', 'Process-1']);
  });
});
