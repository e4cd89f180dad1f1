import * as assert from 'assert';
import { normalizeReport } from '../../../src/runner/view/model';
import { buildReportView } from '../../../src/runner/view/report-view';

describe('integrations: the report names the interpreter a run used', () => {
  it('carries the report\'s `python` to the report view', () => {
    const model = normalizeReport({ version: 1, script: '/w/a.py', python: '/opt/venv/bin/python', exitCode: 0, durationMs: 5, processes: [], findings: [] });
    assert.strictEqual(model.python, '/opt/venv/bin/python');
    assert.strictEqual(buildReportView(model).python, '/opt/venv/bin/python');
  });

  it('leaves it out when the report has none (older or foreign reports)', () => {
    const model = normalizeReport({ script: '/w/a.py', python: '', processes: [], findings: [] });
    assert.strictEqual(model.python, undefined);
    assert.strictEqual(buildReportView(model).python, undefined);
  });
});
