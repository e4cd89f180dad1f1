import * as assert from 'assert';
import { trackAnnotations, trackLine } from '../../../src/runner/view/line-tracking';

describe('runner/view line tracking: annotations follow edits', () => {
  it('drops a line an edit touches, moves lines below a line-count change, keeps the rest', () => {
    // Typing on line 5 (no newline): only line 5 goes.
    const typing = [{ startLine: 5, endLine: 5, newLineCount: 1 }];
    assert.strictEqual(trackLine(5, typing), undefined);
    assert.strictEqual(trackLine(4, typing), 4);
    assert.strictEqual(trackLine(9, typing), 9);
    // Enter at the end of line 2: lines 2..2 become 2 lines; line 9 moves to 10.
    const enter = [{ startLine: 2, endLine: 2, newLineCount: 2 }];
    assert.strictEqual(trackLine(9, enter), 10);
    assert.strictEqual(trackLine(1, enter), 1);
    // Deleting lines 3-4 (joined into one): line 9 moves up by one.
    assert.strictEqual(trackLine(9, [{ startLine: 3, endLine: 4, newLineCount: 1 }]), 8);
    // Several changes apply in order.
    assert.strictEqual(
      trackLine(9, [
        { startLine: 2, endLine: 2, newLineCount: 3 },
        { startLine: 20, endLine: 20, newLineCount: 1 },
      ]),
      11,
    );
  });

  it('moves related lines in the edited file and leaves other files alone', () => {
    const items = [
      { file: 'a.py', line: 10, related: [{ file: 'a.py', line: 3 }, { file: 'a.py', line: 12 }, { file: 'b.py', line: 12 }] },
      { file: 'a.py', line: 3, related: [{ file: 'a.py', line: 10 }] },
      { file: 'b.py', line: 12, related: [{ file: 'a.py', line: 10 }] },
    ];
    const out = trackAnnotations(items, 'a.py', [{ startLine: 3, endLine: 3, newLineCount: 2 }]);
    assert.deepStrictEqual(out, [
      { file: 'a.py', line: 11, related: [{ file: 'a.py', line: 13 }, { file: 'b.py', line: 12 }] },
      { file: 'b.py', line: 12, related: [{ file: 'a.py', line: 11 }] },
    ]);
  });
});
