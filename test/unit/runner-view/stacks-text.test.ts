import * as assert from 'assert';
import { normalizeReport } from '../../../src/runner/view/model';
import { formatStacks } from '../../../src/runner/view/stacks-text';
import { SCRIPT, deadlockReport } from './sample-reports';

describe('runner/view stacks text (Dump Stacks of Process)', () => {
  it('prints each thread like a traceback, marks the innermost user frame, and says what it waits on and holds', () => {
    const m = normalizeReport(deadlockReport());
    const threads = [
      {
        thread: 'MainThread',
        frames: [
          { file: '/usr/lib/python3.11/multiprocessing/synchronize.py', line: 95, function: '__enter__', user: false },
          { file: SCRIPT, line: 9, function: 'left', user: true },
          { file: SCRIPT, line: 25, function: '<module>', user: true },
        ],
      },
    ];
    const out = formatStacks(m, 101, threads);
    assert.deepStrictEqual(out.userFrame, { file: SCRIPT, line: 9, func: 'left' });
    const lines = out.text.split('\n');
    assert.strictEqual(lines[0], 'Stacks of Process-1 (pid 101), most recent call last (→ marks the innermost line of your code)');
    assert.deepStrictEqual(lines.slice(2, 6), [
      'Thread MainThread:',
      `  File "${SCRIPT}", line 25, in <module>`,
      `→ File "${SCRIPT}", line 9, in left`,
      '  File "/usr/lib/python3.11/multiprocessing/synchronize.py", line 95, in __enter__',
    ]);
    assert.ok(out.text.includes(`Waits for Lock#2 at ${SCRIPT}:9, held by Process-2 (pid 102)`), out.text);
    assert.ok(out.text.includes(`Holds Lock#1, acquired at ${SCRIPT}:8, wanted by Process-2 (pid 102)`), out.text);
  });

  it('copes with an empty or malformed reply', () => {
    assert.match(formatStacks(undefined, 5, undefined).text, /reported no threads/);
    assert.match(formatStacks(undefined, 5, [{ frames: [{ file: 'x.py' }] }]).text, /Thread thread:/);
  });
});
