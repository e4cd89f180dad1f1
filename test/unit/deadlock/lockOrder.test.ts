// Potential deadlocks from the lock-order journal: inversions across processes are warnings of
// their own kind, with both acquisition sites; consistent orders are not reported.
import * as assert from 'assert';
import { findInversions, potentialDeadlockFindings } from '../../../src/runner/deadlock/lockOrder';
import type { OrderRecord } from '../../../src/runner/deadlock/stateFile';
import { at } from './synthetic';

const order = (pid: number, a: string, b: string, aLine: number, bLine: number, thread = 'MainThread'): OrderRecord => ({
  pid,
  a,
  aKind: 'Lock',
  aSite: at(aLine),
  b,
  bKind: 'Lock',
  bSite: at(bLine),
  thread,
});

const names = {
  label: (id: string) => ({ A: 'Lock#1', B: 'Lock#2', C: 'Lock#3' })[id] ?? id,
  process: (pid: number) => `Process-${pid - 100} (pid ${pid})`,
};

describe('deadlock: lock order (potential deadlocks)', () => {
  it('A then B in one process and B then A in another is one inversion', () => {
    const inv = findInversions([order(101, 'A', 'B', 5, 6), order(102, 'B', 'A', 10, 11)]);
    assert.strictEqual(inv.length, 1);
    assert.deepStrictEqual([...inv[0].locks].sort(), ['A', 'B']);
  });

  it('the same order everywhere is not reported', () => {
    assert.deepStrictEqual(findInversions([order(101, 'A', 'B', 5, 6), order(102, 'A', 'B', 5, 6), order(103, 'B', 'C', 7, 8)]), []);
  });

  it('a longer cycle (A->B, B->C, C->A) is found', () => {
    const inv = findInversions([order(101, 'A', 'B', 1, 2), order(102, 'B', 'C', 3, 4), order(103, 'C', 'A', 5, 6)]);
    assert.strictEqual(inv.length, 1);
    assert.strictEqual(inv[0].locks.length, 3);
  });

  it('the finding names both acquisition sites, as a warning of kind potential-deadlock', () => {
    const [f] = potentialDeadlockFindings([order(101, 'A', 'B', 5, 6), order(102, 'B', 'A', 10, 11)], names);
    assert.strictEqual(f.kind, 'potential-deadlock');
    assert.strictEqual(f.severity, 'warning');
    assert.match(f.message, /this run did not hang/);
    assert.match(f.message, /Process-1 \(pid 101\) acquired Lock#2 at fixture\.py:6 while holding Lock#1 \(acquired at fixture\.py:5\)/);
    assert.match(f.message, /Process-2 \(pid 102\) acquired Lock#1 at fixture\.py:11 while holding Lock#2 \(acquired at fixture\.py:10\)/);
    assert.deepStrictEqual(
      f.locations.map((l) => `${l.pid}:${l.role}:${l.line}`).sort(),
      ['101:acquired:6', '101:holds:5', '102:acquired:11', '102:holds:10'],
    );
    assert.deepStrictEqual([...f.pids].sort(), [101, 102]);
  });

  it('an inversion that already deadlocked is not reported again as potential', () => {
    const fs = potentialDeadlockFindings([order(101, 'A', 'B', 5, 6), order(102, 'B', 'A', 10, 11)], names, (locks) =>
      locks.includes('A') && locks.includes('B'),
    );
    assert.deepStrictEqual(fs, []);
  });
});
