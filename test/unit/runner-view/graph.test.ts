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
