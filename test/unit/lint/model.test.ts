// Name resolution through imports and assignments, and incremental re-parsing.
import * as assert from 'assert';
import { PythonDocument } from '../../../src/lint/document';
import { Model } from '../../../src/lint/model';
import { factsOf } from '../../../src/lint/facts';
import { walk, type SyntaxNode } from '../../../src/lint/syntax';
import { diffTexts, LineIndex } from '../../../src/lint/text';
import { py } from './helpers';

async function withModel<T>(src: string, fn: (m: Model) => T): Promise<T> {
  const doc = await PythonDocument.create(src);
  try {
    return fn(new Model(doc));
  } finally {
    doc.dispose();
  }
}

/** The instance type (or qualified name) of the last expression statement's value. */
function lastValue(m: Model): string | undefined {
  const stmts = m.root.children.filter((c) => c.type === 'expression_statement');
  const expr = stmts[stmts.length - 1].children[0];
  const v = m.valueOf(expr);
  if (!v) return undefined;
  return v.kind === 'instance' ? `instance ${v.of}${v.startMethod ? ` (${v.startMethod})` : ''}` : v.kind === 'name' ? `name ${v.q}` : v.kind;
}

describe('lint model: name resolution', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['import as', 'import multiprocessing as mp\nmp.Process()', 'instance multiprocessing.Process'],
    ['from import as', 'from multiprocessing import Process as P, Queue\nP()', 'instance multiprocessing.Process'],
    ['dotted import', 'import multiprocessing.pool\nmultiprocessing.pool.Pool()', 'instance multiprocessing.Pool'],
    ['context', 'import multiprocessing as mp\nctx = mp.get_context("spawn")\nctx.Queue()', 'instance multiprocessing.Queue (spawn)'],
    ['executor', 'from concurrent.futures import ProcessPoolExecutor\nProcessPoolExecutor()', 'instance concurrent.futures.ProcessPoolExecutor'],
    ['executor module', 'import concurrent.futures as cf\ncf.ProcessPoolExecutor()', 'instance concurrent.futures.ProcessPoolExecutor'],
    ['shared memory', 'from multiprocessing import shared_memory\nshared_memory.SharedMemory(create=True, size=1)', 'instance multiprocessing.shared_memory.SharedMemory'],
    ['shared memory full path', 'import multiprocessing.shared_memory\nmultiprocessing.shared_memory.SharedMemory()', 'instance multiprocessing.shared_memory.SharedMemory'],
    ['Popen', 'from subprocess import Popen, PIPE\nPopen(["ls"], stdout=PIPE)', 'instance subprocess.Popen'],
    ['PIPE', 'import subprocess\nsubprocess.PIPE', 'name subprocess.PIPE'],
    ['star import', 'from multiprocessing import *\nLock()', 'instance multiprocessing.Lock'],
    ['manager methods', 'import multiprocessing as mp\nm = mp.Manager()\nm.Queue()', 'instance manager.Queue'],
    ['with as', 'from multiprocessing import Pool\nwith Pool() as p:\n    pass\np', 'instance multiprocessing.Pool'],
    ['assignment chain', 'import threading\nL = threading.Lock\nl2 = L\nl2()', 'instance threading.Lock'],
    ['subclass', 'import multiprocessing as mp\nclass W(mp.Process):\n    pass\nW()', 'instance multiprocessing.Process'],
    ['rebinding to something else gives up', 'import multiprocessing as mp\nq = mp.Queue()\nq = 3\nq', undefined],
    ['shadowed by a local def', 'from multiprocessing import Process\ndef Process(): pass\nProcess()', undefined],
    ['thread-backed dummy module', 'import multiprocessing.dummy as d\nd.Process()', 'instance multiprocessing.dummy.Process'],
  ];
  for (const [name, src, expected] of cases) {
    it(name, async () => {
      assert.strictEqual(await withModel(src, lastValue), expected);
    });
  }

  it('parameters of a process target take the types of the arguments passed', async () => {
    const src = py`
      import multiprocessing as mp
      def work(q, lock):
          q
      if __name__ == "__main__":
          mp.Process(target=work, args=(mp.Queue(), mp.Lock())).start()
    `;
    const doc = await PythonDocument.create(src);
    try {
      const m = new Model(doc);
      
      factsOf(m);
      let q: SyntaxNode | undefined;
      walk(m.root, (n) => {
        if (n.type === 'expression_statement' && m.textOf(n) === 'q') q = n.children[0];
      });
      assert.strictEqual(m.instanceOf(q), 'multiprocessing.Queue');
    } finally {
      doc.dispose();
    }
  });
});

describe('lint document: incremental parsing', () => {
  /** Structure of a converted tree, for comparison. */
  const shape = (n: SyntaxNode): string => `${n.type}[${n.start},${n.end}${n.field ? ':' + n.field : ''}](${n.children.map(shape).join(' ')})`;

  it('gives the same tree as a fresh parse after random edits (with non-ASCII text)', async () => {
    let text = py`
      # 中文注释: 多进程
      import multiprocessing as mp
      def work(q):
          q.put("数据")
      class C:
          def m(self):
              with mp.Lock():
                  pass
      if __name__ == "__main__":
          q = mp.Queue()
          p = mp.Process(target=work, args=(q,))
          p.start()
    `;
    const doc = await PythonDocument.create(text);
    void doc.root; // converted before the edits, so that later conversions reuse it
    const inserts = ['x', '\n', '    ', 'é', '"""', ')', 'def f():\n    pass\n', '#'];
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    try {
      for (let i = 0; i < 60; i++) {
        const at = rand(text.length + 1);
        const del = rand(3) === 0 ? rand(5) : 0;
        text = text.slice(0, at) + inserts[rand(inserts.length)] + text.slice(Math.min(text.length, at + del));
        doc.update(text);
        const fresh = await PythonDocument.create(text);
        try {
          assert.strictEqual(shape(doc.root), shape(fresh.root), `after edit ${i}`);
        } finally {
          fresh.dispose();
        }
      }
    } finally {
      doc.dispose();
    }
  });

  it('diffTexts finds the changed span and LineIndex maps offsets both ways', () => {
    assert.deepStrictEqual(diffTexts('abcdef', 'abXYef'), { start: 2, oldEnd: 4, newEnd: 4 });
    assert.strictEqual(diffTexts('same', 'same'), undefined);
    const li = new LineIndex('a\r\nbé\ncd');
    assert.deepStrictEqual(li.position(4), { line: 1, character: 1 });
    assert.strictEqual(li.offset({ line: 2, character: 1 }), 7);
    assert.strictEqual(li.lineText(0), 'a');
  });
});
