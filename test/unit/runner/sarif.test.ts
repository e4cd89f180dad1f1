import * as assert from 'assert';
import { toSarif } from '../../../src/runner/sarif';
import { formatSummary } from '../../../src/runner/summary';
import type { RunReport } from '../../../src/runner/report';
import { assertValidSarif } from '../lint/sarif-valid';

const report: RunReport = {
  version: 1,
  script: '/w/app.py',
  args: [],
  python: '/usr/bin/python3',
  cwd: '/w',
  startMethod: null,
  exitCode: 0,
  signal: null,
  durationMs: 1234,
  startedAt: 1,
  endedAt: 1235,
  stopped: null,
  processes: [],
  findings: [
    {
      kind: 'child-exception',
      severity: 'error',
      message: 'Process-1 raised an uncaught ValueError.',
      pids: [11, 10],
      locations: [
        { file: '/w/app.py', line: 6, pid: 11, role: 'exception' },
        { file: '/w/app.py', line: 12, pid: 10, role: 'start' },
      ],
    },
    { kind: 'unjoined', severity: 'info', message: 'never joined', pids: [12], locations: [] },
  ],
  agentErrors: [],
};

describe('runner: SARIF and summary', () => {
  it('writes SARIF 2.1.0 with one result per finding and rules for every kind', () => {
    const sarif = toSarif(report) as {
      version: string;
      runs: Array<{ tool: { driver: { rules: Array<{ id: string }> } }; results: Array<Record<string, any>> }>;
    };
    assert.strictEqual(sarif.version, '2.1.0');
    const run = sarif.runs[0];
    const ids = run.tool.driver.rules.map((r) => r.id);
    assert.ok(ids.includes('child-exception') && ids.includes('leaked-shm'));
    assert.strictEqual(run.results.length, 2);
    const [r0, r1] = run.results;
    assert.strictEqual(r0.ruleId, 'child-exception');
    assert.strictEqual(r0.level, 'error');
    assert.strictEqual(ids[r0.ruleIndex], 'child-exception');
    assert.strictEqual(r0.locations[0].physicalLocation.artifactLocation.uri, 'file:///w/app.py');
    assert.strictEqual(r0.locations[0].physicalLocation.region.startLine, 6);
    assert.strictEqual(r0.relatedLocations[0].physicalLocation.region.startLine, 12);
    assert.strictEqual(r1.level, 'note');
    assert.deepStrictEqual(r1.locations, []);
  });

  it('is valid SARIF 2.1.0 and keeps the roles, pids and how the run ended', () => {
    const sarif = toSarif({ ...report, exitCode: null, signal: 'SIGKILL', stopped: { reason: 'timeout', atMs: 5 } }) as any;
    assertValidSarif(sarif);
    assertValidSarif(toSarif({ ...report, findings: [] }));
    const run = sarif.runs[0];
    const [r0] = run.results;
    assert.strictEqual(r0.locations[0].message.text, 'exception (pid 11)');
    assert.strictEqual(r0.relatedLocations[0].message.text, 'start (pid 10)');
    assert.deepStrictEqual(r0.properties, { pids: [11, 10] });
    assert.deepStrictEqual(run.invocations, [
      {
        executionSuccessful: false,
        commandLine: '/usr/bin/python3 /w/app.py',
        exitSignalName: 'SIGKILL',
        workingDirectory: { uri: 'file:///w' },
      },
    ]);
    assert.strictEqual(run.tool.driver.name, 'mpscope');
    const shm = run.tool.driver.rules.find((r: { id: string }) => r.id === 'leaked-shm');
    assert.strictEqual(shm.shortDescription.text, 'A shared-memory block was created and never unlinked.');
  });

  it('prints a readable summary with counts', () => {
    const text = formatSummary(report);
    assert.match(text, /^mpscope: app\.py exited with code 0 after 1\.23 s; 0 processes/);
    assert.match(text, /error child-exception: Process-1 raised/);
    assert.match(text, /at \/w\/app\.py:6 \(pid 11, exception\)/);
    assert.match(text, /mpscope: 1 error, 1 note\n$/);
  });
});
