// The Findings view's words while a run goes on and after it ended.
import * as assert from 'assert';
import { findingsBadgeTooltip, findingsMessage } from '../../../src/ui/findings/message';

describe('findings view: message', () => {
  const script = '/w/app.py';

  it('says the run is still going while it is live and has found nothing yet', () => {
    assert.strictEqual(findingsMessage({ live: true, script, findings: undefined }), 'Running app.py... no findings yet.');
    assert.strictEqual(findingsMessage({ live: true, script, findings: 0 }), 'Running app.py... no findings yet.');
  });

  it('leaves the live findings to the tree', () => {
    assert.strictEqual(findingsMessage({ live: true, script, findings: 2 }), undefined);
  });

  it('says the last run had no findings only after it ended', () => {
    assert.strictEqual(findingsMessage({ live: false, script, findings: 0 }), 'The last run had no findings.');
    assert.strictEqual(findingsMessage({ live: false, script, findings: 1 }), undefined);
  });

  it('says nothing before any run, or of a run that never started', () => {
    assert.strictEqual(findingsMessage({ live: false, script: undefined, findings: undefined }), undefined);
    assert.strictEqual(findingsMessage({ live: false, script, findings: undefined }), undefined);
  });

  it('counts the findings of a live run as "so far"', () => {
    assert.strictEqual(findingsBadgeTooltip(1, true), '1 finding so far in the running mpscope run');
    assert.strictEqual(findingsBadgeTooltip(3, false), '3 findings in the last mpscope run');
  });
});
