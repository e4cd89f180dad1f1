import * as assert from 'assert';
import { normalizeReport } from '../../../src/runner/view/model';
import { buildTimeline, formatMs, niceTicks } from '../../../src/runner/view/timeline';
import { deadlockReport, exceptionReport } from './sample-reports';

describe('runner/view timeline', () => {
  it('has one lane per user process in tree order, helpers left out', () => {
    const t = buildTimeline(normalizeReport(deadlockReport()));
    assert.deepStrictEqual(
      t.lanes.map((l) => [l.name, l.depth, l.startMs, l.endMs, l.outcome]),
      [
        ['MainProcess', 0, 0, 2400, 'running'],
        ['Process-1', 1, 50, 2400, 'running'],
        ['Process-2', 1, 60, 2400, 'running'],
      ],
    );
    assert.strictEqual(t.lanes[1].startedAt, 'started at deadlock.py:20');
    const withHelpers = buildTimeline(normalizeReport(deadlockReport()), { includeHelpers: true });
    assert.strictEqual(withHelpers.lanes.length, 4);
  });

  it('marks where each process blocked and on what', () => {
    const t = buildTimeline(normalizeReport(deadlockReport()));
    const p1 = t.lanes[1];
    const blocked = p1.marks.filter((m) => m.kind === 'blocked');
    assert.strictEqual(blocked.length, 1);
    assert.strictEqual(blocked[0].atMs, 400);
    assert.strictEqual(blocked[0].label, 'waits for Lock#2');
    assert.strictEqual(blocked[0].deadlock, true);
    assert.match(blocked[0].detail, /held by Process-2 at deadlock\.py:9|held by Process-2/);
    assert.strictEqual(blocked[0].location?.line, 9);
  });

  it('ends a lane at its exit and marks a child exception at its end', () => {
    const t = buildTimeline(normalizeReport(exceptionReport()));
    const child = t.lanes.find((l) => l.pid === 201)!;
    assert.strictEqual(child.endMs, 120);
    assert.strictEqual(child.outcome, 'exit 1');
    assert.strictEqual(child.failed, true);
    assert.deepStrictEqual(
      child.marks.map((m) => [m.kind, m.atMs, m.location?.file]),
      [['exception', 120, '/work/app/worker.py']],
    );
  });

  it('chooses round ticks and readable durations', () => {
    assert.deepStrictEqual(niceTicks(2400), [0, 500, 1000, 1500, 2000]);
    assert.deepStrictEqual(niceTicks(0), [0]);
    assert.strictEqual(formatMs(250), '250 ms');
    assert.strictEqual(formatMs(2400), '2.4 s');
    assert.strictEqual(formatMs(2000), '2 s');
    assert.strictEqual(formatMs(125_000), '2 min 5 s');
  });
});
