import * as assert from 'assert';
import { buildDecorations, buildDiagnostics, deadlockHover } from '../../../src/runner/view/annotations';
import { normalizeReport } from '../../../src/runner/view/model';
import { SCRIPT, deadlockReport, exceptionReport } from './sample-reports';

describe('runner/view annotations', () => {
  it('puts a deadlock error on each waiting line, related to the other wait and the acquisition', () => {
    const m = normalizeReport(deadlockReport());
    const diags = buildDiagnostics(m).filter((d) => d.code === 'deadlock');
    const at = (line: number) => diags.find((d) => d.line === line)!;
    assert.deepStrictEqual(diags.map((d) => [d.line, d.severity]).sort((a, b) => Number(a[0]) - Number(b[0])), [
      [8, 'info'],
      [9, 'error'],
      [13, 'info'],
      [14, 'error'],
    ]);
    assert.strictEqual(
      at(14).message,
      'Deadlock: Process-2 (pid 102) waits for Lock#1, held by Process-1 at line 8',
    );
    const related = at(14).related.map((r) => `${r.line}: ${r.message}`);
    assert.ok(related.includes('9: Process-1 (pid 101) waits for Lock#2 here'), related.join('\n'));
    assert.ok(related.includes('8: Lock#1 acquired here by Process-1 (pid 101)'), related.join('\n'));
    assert.ok(!related.some((r) => r.startsWith('14:')), 'no link to itself');
    assert.match(at(8).message, /Lock#1 acquired here by Process-1 \(pid 101\); Process-2 waits for it/);
  });

  it('adds the hazard behind a deadlock to the lines where processes wait, once per line', () => {
    const report = deadlockReport() as { findings: Array<Record<string, unknown>> };
    // This sample carries its deadlock details on the finding itself (the view reads either place).
    const f = report.findings.find((x) => x.kind === 'deadlock')!;
    f.hazard = "every worker of the Pool raises ValueError in the Pool's initializer";
    const diags = buildDiagnostics(normalizeReport(report)).filter((d) => d.code === 'deadlock');
    const at = (line: number) => diags.find((d) => d.line === line)!;
    assert.strictEqual(
      at(14).message,
      "Deadlock: Process-2 (pid 102) waits for Lock#1, held by Process-1 at line 8. Every worker of the Pool raises ValueError in the Pool's initializer.",
    );
    assert.ok(at(9).message.endsWith("in the Pool's initializer."), at(9).message);
    assert.doesNotMatch(at(8).message, /initializer/, 'not on the line where a lock was taken');
  });

  it('gives other findings one diagnostic per line with the other lines as related information', () => {
    const m = normalizeReport(exceptionReport());
    const diags = buildDiagnostics(m);
    assert.strictEqual(diags.length, 2);
    const tb = diags.find((d) => d.file === '/work/app/worker.py')!;
    assert.strictEqual(tb.message, 'Process-1 raised ValueError: bad input');
    const start = diags.find((d) => d.line === 30)!;
    assert.strictEqual(start.message, 'Process-1 raised ValueError: bad input (started here by MainProcess (pid 200))');
    assert.deepStrictEqual(tb.related, [{ file: SCRIPT, line: 30, message: 'started here by MainProcess (pid 200)' }]);
    const unjoined = buildDiagnostics(normalizeReport(deadlockReport())).find((d) => d.code === 'unjoined')!;
    assert.strictEqual(unjoined.message, 'Process-1 was started and never joined');
    assert.strictEqual(unjoined.severity, 'warning');
    assert.deepStrictEqual(unjoined.related, []);
  });

  it('decorates each waiting line with who waits for what, held by whom, and where', () => {
    const m = normalizeReport(deadlockReport());
    const decos = buildDecorations(m);
    assert.deepStrictEqual(
      decos.map((d) => [d.line, d.text]),
      [
        [9, '⏸ Process-1 (pid 101) waits for Lock#2, held by Process-2 at line 13'],
        [14, '⏸ Process-2 (pid 102) waits for Lock#1, held by Process-1 at line 8'],
      ],
    );
  });

  it('hovers with the cycle and the stacks, user frames marked', () => {
    const m = normalizeReport(deadlockReport());
    const md = deadlockHover(m, m.findings[0]);
    assert.match(md, /Wait-for cycle: Process-1 → Lock#2 → Process-2 → Lock#1 → Process-1/);
    assert.match(md, /\*\*Stack of Process-1 \(pid 101\)\*\*, innermost call first/);
    // From the hovered line's process.
    assert.match(deadlockHover(m, m.findings[0], 102), /Wait-for cycle: Process-2 → Lock#1 → Process-1 → Lock#2 → Process-2/);
    assert.match(md, /→ deadlock\.py:9 in left/);
    assert.match(md, / {2}synchronize\.py:95 in __enter__/);
  });

  it('merges two processes waiting on the same line into one decoration', () => {
    const raw = deadlockReport() as any;
    raw.findings[0].waits[1].site = { file: SCRIPT, line: 9 };
    const decos = buildDecorations(normalizeReport(raw));
    assert.strictEqual(decos.length, 1);
    assert.match(decos[0].text, /Process-1 .* {2}⏸ Process-2/);
  });
});

import { findingLines } from '../../../src/runner/view/finding-locations';

describe('runner/view finding lines', () => {
  it('lists where each process waits, then where each held lock was acquired', () => {
    const m = normalizeReport(deadlockReport());
    assert.deepStrictEqual(
      findingLines(m, m.findings[0]).map((l) => `${l.location.line} ${l.text}`),
      [
        '9 Process-1 (pid 101) waits for Lock#2',
        '14 Process-2 (pid 102) waits for Lock#1',
        '13 Lock#2 acquired by Process-2 (pid 102)',
        '8 Lock#1 acquired by Process-1 (pid 101)',
      ],
    );
    const e = normalizeReport(exceptionReport());
    assert.deepStrictEqual(
      findingLines(e, e.findings[0]).map((l) => `${l.location.line} ${l.text}`),
      ['5 Process-1 raised here', '30 started here by MainProcess'],
    );
  });
});

describe('runner/view annotations: a process that waits on the cycle', () => {
  it('marks the parent joining a deadlocked child as a warning, the cycle as errors', () => {
    const raw = deadlockReport() as any;
    raw.findings[0].waits.push({
      pid: 100,
      op: 'process-join',
      primitive: { id: 'process:101', kind: 'Process', label: 'Process-1 (pid 101)' },
      site: { file: SCRIPT, line: 22 },
      target: 101,
      holders: [],
    });
    const m = normalizeReport(raw);
    const diags = buildDiagnostics(m).filter((d) => d.code === 'deadlock');
    assert.strictEqual(diags.find((d) => d.line === 22)?.severity, 'warning');
    assert.strictEqual(diags.find((d) => d.line === 9)?.severity, 'error');
    const deco = buildDecorations(m).find((d) => d.line === 22)!;
    assert.strictEqual(deco.text, '⏸ MainProcess (pid 100) waits for Process-1 (pid 101)');
  });
});
