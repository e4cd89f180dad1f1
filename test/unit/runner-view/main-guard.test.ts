import * as assert from 'assert';
import { findMainGuards } from '../../../src/runner/view/main-guard';

describe('runner/view main guard', () => {
  it('finds top-level guards written in the usual ways', () => {
    const text = [
      'import os',
      'if __name__ == "__main__":',
      '    main()',
      "if __name__=='__main__':  # again",
      'if "__main__" == __name__:',
      'if (__name__ == "__main__"):',
    ].join('\n');
    assert.deepStrictEqual(findMainGuards(text), [2, 4, 5, 6]);
  });

  it('ignores indented guards, other names, and guards inside docstrings', () => {
    const text = [
      '"""Usage:',
      'if __name__ == "__main__":',
      '"""',
      'def f():',
      '    if __name__ == "__main__":',
      '        pass',
      'if __name__ == "__mp_main__":',
      'if __name__ == "__main__":',
    ].join('\r\n');
    assert.deepStrictEqual(findMainGuards(text), [8]);
  });
});
