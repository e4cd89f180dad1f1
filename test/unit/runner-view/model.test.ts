import * as assert from 'assert';
import { groupFindings, normalizeReport, processLabel } from '../../../src/runner/view/model';
import { SCRIPT, deadlockReport, exceptionReport } from './sample-reports';

describe('runner/view model: normalizeReport', () => {
  it('reads the report contract: script, exit, processes, findings', () => {
    const m = normalizeReport(deadlockReport());
    assert.strictEqual(m.script, SCRIPT);
    assert.strictEqual(m.signal, 'SIGTERM');
    assert.strictEqual(m.durationMs, 2400);
    assert.deepStrictEqual(
      m.processes.map((p) => [p.pid, p.name, p.helper ?? false, p.main ?? false]),
      [
        [100, 'MainProcess', false, true],
        [101, 'Process-1', false, false],
        [102, 'Process-2', false, false],
        [103, 'resource_tracker', true, false],
      ],
    );
    assert.deepStrictEqual(m.processes[1].startSite, { file: SCRIPT, line: 20, role: 'start' });
    const [dl, unjoined] = m.findings;
    assert.strictEqual(dl.id, 'deadlock#0');
    assert.strictEqual(dl.waits.length, 2);
    assert.deepStrictEqual(dl.waits[0].holders, [{ pid: 102, site: { file: SCRIPT, line: 13, pid: 102, role: 'acquired' } }]);
    assert.deepStrictEqual(dl.waits[0].site, { file: SCRIPT, line: 9, pid: 101, role: 'waits' });
    assert.deepStrictEqual(dl.cycle, [101, 102]);
    assert.strictEqual(dl.stacks.get(101)?.[0].frames[0].user, true);
    assert.strictEqual(unjoined.severity, 'warning');
    assert.deepStrictEqual(unjoined.waits, []);
  });

  it('never throws on bad input, and drops what it cannot use', () => {
    for (const bad of [null, 42, 'x', [], { processes: 'no', findings: [null, 3, { kind: 7 }] }]) {
      const m = normalizeReport(bad);
      assert.ok(Array.isArray(m.processes) && Array.isArray(m.findings));
    }
    const m = normalizeReport({
      findings: [{ kind: 'zombie', locations: [{ file: 'a.py', line: 0 }, { file: 'a.py' }, { file: 'a.py', line: 3.7 }] }],
    });
    assert.deepStrictEqual(m.findings[0].locations, [{ file: 'a.py', line: 3 }]);
    assert.strictEqual(m.findings[0].severity, 'info');
  });

  it('turns epoch start and end times into offsets from the first start', () => {
    const t0 = 1_700_000_000_000;
    const m = normalizeReport({
      processes: [
        { pid: 1, startTime: t0, endTime: t0 + 500 },
        { pid: 2, ppid: 1, startTime: (t0 + 100) / 1000, endTime: (t0 + 300) / 1000 },
      ],
    });
    assert.deepStrictEqual(
      m.processes.map((p) => [p.startMs, p.endMs]),
      [
        [0, 500],
        [100, 300],
      ],
    );
    assert.strictEqual(m.durationMs, 500);
  });

  it('names processes as people read them', () => {
    const m = normalizeReport(deadlockReport());
    assert.strictEqual(processLabel(m, 102), 'Process-2 (pid 102)');
    assert.strictEqual(processLabel(m, 999), 'pid 999');
  });

  it('groups findings by kind, deadlocks first', () => {
    const m = normalizeReport(deadlockReport());
    const e = normalizeReport(exceptionReport());
    const groups = groupFindings([...m.findings, ...e.findings, { ...m.findings[1], kind: 'weird-kind' }]);
    assert.deepStrictEqual(
      groups.map((g) => [g.title, g.findings.length]),
      [
        ['Deadlocks', 1],
        ['Child exceptions', 1],
        ['Unjoined children', 1],
        ['weird kind', 1],
      ],
    );
  });
});
