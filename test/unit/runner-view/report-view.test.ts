import * as assert from 'assert';
import { countKind, normalizeReport, signalName } from '../../../src/runner/view/model';
import { buildReportView } from '../../../src/runner/view/report-view';
import { buildTimeline } from '../../../src/runner/view/timeline';
import { deadlockReport, exceptionReport } from './sample-reports';

describe('runner/view report view (what the webview draws)', () => {
  it('summarises a live deadlocked run', () => {
    const v = buildReportView(normalizeReport(deadlockReport()), { live: true });
    assert.strictEqual(v.scriptName, 'deadlock.py');
    assert.strictEqual(v.status, 'running · 2.4 s · 3 processes · 3 alive');
    assert.deepStrictEqual(
      v.summary.map((s) => [s.text, s.severity]),
      [
        ['1 deadlock', 'error'],
        ['1 unjoined child', 'warning'],
      ],
    );
    // The deadlock leads to a line where a process waits, not to where a lock was taken.
    assert.deepStrictEqual([v.findings[0].where, v.findings[0].location?.role], ['deadlock.py:9', 'waits']);
    assert.strictEqual(v.graph.nodes.length, 4);
    assert.strictEqual(v.timeline.lanes.length, 3);
    // Plain data only (no Map, class or function): it is posted to the webview as is.
    const plain = (x: unknown, where: string): void => {
      if (x === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof x)) return;
      assert.ok(Array.isArray(x) || Object.getPrototypeOf(x) === Object.prototype, `${where} is not plain data`);
      for (const [k, val] of Object.entries(x as object)) plain(val, `${where}.${k}`);
    };
    plain(v, 'view');
  });

  it('summarises a finished run, leading a child exception to its traceback line', () => {
    const v = buildReportView(normalizeReport(exceptionReport()));
    assert.strictEqual(v.status, 'exit 0 · 300 ms · 2 processes');
    assert.deepStrictEqual(v.summary.map((s) => s.text), ['1 child exception']);
    assert.strictEqual(v.findings[0].where, 'worker.py:5');
    assert.deepStrictEqual(v.graph.nodes, []);
  });

  it('names counts and signals as people read them', () => {
    assert.strictEqual(countKind('unjoined', 2), '2 unjoined children');
    assert.strictEqual(countKind('leaked-shm', 1), '1 leaked shared memory block');
    assert.strictEqual(countKind('new-kind', 3), '3 new kind');
    assert.strictEqual(signalName(15), 'SIGTERM');
    assert.strictEqual(signalName(64), 'signal 64');
  });

  it('tells a killed process from a failed one on the timeline', () => {
    const t = buildTimeline(
      normalizeReport({
        durationMs: 100,
        processes: [
          { pid: 1, name: 'MainProcess', exitCode: 0, endMs: 100 },
          { pid: 2, ppid: 1, name: 'A', exitCode: -15, endMs: 50 },
          { pid: 3, ppid: 1, name: 'B', exitCode: 1, endMs: 60 },
        ],
      }),
    );
    assert.deepStrictEqual(
      t.lanes.map((l) => [l.name, l.outcome, l.failed, l.killed]),
      [
        ['MainProcess', 'exit 0', false, false],
        ['A', 'SIGTERM', false, true],
        ['B', 'exit 1', true, false],
      ],
    );
  });
});
