import * as assert from 'assert';
import { importStatements, missingImports, planImportInsertion } from '../../../src/snippets/imports';

describe('snippets/imports: which imports a fragment still needs, and where they go', () => {
  it('finds import statements, joining parenthesised and continued lines', () => {
    const text = 'import os\nfrom a import (\n    b,\n    c,\n)\nfrom d import e, \\\n    f\nx = 1\n';
    assert.deepStrictEqual(importStatements(text), [
      'import os',
      'from a import (     b,     c, )',
      'from d import e, \\     f',
    ]);
  });

  it('reports only the imports whose names are not bound the same way already', () => {
    const text = 'import multiprocessing as mp\nfrom concurrent.futures import (\n  ProcessPoolExecutor,\n)\nimport os, sys\n';
    const required = [
      'import multiprocessing as mp',
      'import multiprocessing',
      'import queue',
      'from concurrent.futures import ProcessPoolExecutor, as_completed',
      'import sys',
    ];
    assert.deepStrictEqual(missingImports(text, required), [
      'import multiprocessing',
      'import queue',
      'from concurrent.futures import ProcessPoolExecutor, as_completed',
    ]);
  });

  it('does not take `import a` for `import a.b`, nor an alias for the plain name', () => {
    assert.deepStrictEqual(missingImports('import logging\nimport numpy as np\n', ['import logging.handlers', 'import numpy']), [
      'import logging.handlers',
      'import numpy',
    ]);
    assert.deepStrictEqual(missingImports('import logging.handlers\n', ['import logging.handlers']), []);
  });

  it('ignores commented-out imports', () => {
    assert.deepStrictEqual(missingImports('# import queue\n', ['import queue']), ['import queue']);
  });

  it('plans insertion after the existing top-level imports', () => {
    const text = '"""Doc."""\nimport os\nimport sys\n\n\ndef f():\n    import json\n';
    assert.deepStrictEqual(planImportInsertion(text, ['import queue']), { line: 3, text: 'import queue\n' });
  });

  it('puts imports after a shebang, an encoding line and a multi-line docstring, with a gap before code', () => {
    const text = '#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n"""Module.\n\nMore.\n"""\nx = 1\n';
    assert.deepStrictEqual(planImportInsertion(text, ['import queue', 'import time']), {
      line: 6,
      text: 'import queue\nimport time\n\n',
    });
  });

  it('puts imports after `from __future__` and a parenthesised import block', () => {
    const text = 'from __future__ import annotations\nfrom a import (\n    b,\n)\n\nx = 1\n';
    assert.strictEqual(planImportInsertion(text, ['import queue'])!.line, 4);
  });

  it('puts imports at the top of an empty file, and plans nothing when nothing is missing', () => {
    assert.deepStrictEqual(planImportInsertion('', ['import queue']), { line: 0, text: 'import queue\n' });
    assert.strictEqual(planImportInsertion('x = 1\n', []), undefined);
  });
});
