// Quick fixes: each produces exactly the expected code, which parses cleanly and no longer has
// the finding. (test/integration/lint/fixes.test.ts runs both versions with python3.)
import * as assert from 'assert';
import { PythonDocument } from '../../../src/lint/document';
import { lintDocument } from '../../../src/lint/engine';
import { suppressionFix } from '../../../src/lint/fixes/suppress';
import { FIX_CASES } from './fix-cases';
import { applyFix, findingsOf, lint, parsesCleanly, py } from './helpers';

describe('lint quick fixes', () => {
  for (const c of FIX_CASES) {
    it(c.name, async () => {
      const before = await findingsOf(c.code, c.src);
      assert.ok(before.length > 0, `${c.code} not found in the original`);
      const fix = before[0].fixes?.[0];
      assert.ok(fix, `${c.code} offers no fix`);
      const fixed = applyFix(c.src, fix);
      assert.strictEqual(fixed, c.expected);
      assert.ok(await parsesCleanly(fixed), 'the fixed code has syntax errors');
      assert.deepStrictEqual((await findingsOf(c.code, fixed)).map((f) => f.message), []);
    });
  }

  it('offers no main-guard fix when hoisting a definition would change what it evaluates', async () => {
    const src = py`
      import multiprocessing as mp
      factor = 2
      mp.Process(target=print).start()
      def f(x=factor):
          return x
    `;
    const [finding] = await findingsOf('MP001', src);
    assert.ok(finding);
    assert.strictEqual(finding.fixes, undefined);
  });

  it('offers no lambda fix when the lambda reads a local variable', async () => {
    const src = py`
      from multiprocessing import Pool
      def main(k):
          with Pool() as pool:
              pool.map(lambda x: x * k, [1])
    `;
    const [finding] = await findingsOf('MP004', src);
    assert.ok(finding);
    assert.strictEqual(finding.fixes, undefined);
  });

  it('offers no `with Pool` fix when results are read after the pool would be terminated', async () => {
    const src = py`
      from multiprocessing import Pool
      def main():
          pool = Pool()
          r = pool.apply_async(abs, (1,))
          print(r.get())
    `;
    const [finding] = await findingsOf('MP008', src);
    assert.ok(finding);
    assert.strictEqual(finding.fixes, undefined);
  });

  it('offers no join fix in a function that returns while its child runs', async () => {
    const src = py`
      import multiprocessing as mp
      def launch():
          p = mp.Process(target=print)
          p.start()
      def main():
          launch()
          print("more work while the child runs")
    `;
    const [finding] = await findingsOf('MP002', src);
    assert.ok(finding);
    assert.strictEqual(finding.fixes, undefined);
  });

  it('the "ignore on this line" action silences exactly that finding', async () => {
    const src = py`
      from multiprocessing import Pool
      def main():
          with Pool() as pool:
              pool.map(lambda x: x, [1])  # keep
    `;
    const doc = await PythonDocument.create(src);
    try {
      const [finding] = lintDocument(doc).findings.filter((f) => f.code === 'MP004');
      const fix = suppressionFix(doc, finding)!;
      const fixed = applyFix(src, fix);
      assert.ok(fixed.includes('pool.map(lambda x: x, [1])  # keep  # mpscope: ignore[MP004]'));
      assert.deepStrictEqual((await lint(fixed)).map((f) => f.code), []);
    } finally {
      doc.dispose();
    }
  });

  it('the "ignore" action adds its code to an existing directive', async () => {
    const src = py`
      import multiprocessing as mp
      mp.Process(target=lambda: 1).start()  # mpscope: ignore[MP002]
    `;
    const doc = await PythonDocument.create(src);
    try {
      const finding = lintDocument(doc, { platform: 'linux' }).findings.find((f) => f.code === 'MP004')!;
      const fixed = applyFix(src, suppressionFix(doc, finding)!);
      assert.ok(fixed.includes('# mpscope: ignore[MP002, MP004]'), fixed);
    } finally {
      doc.dispose();
    }
  });
});
