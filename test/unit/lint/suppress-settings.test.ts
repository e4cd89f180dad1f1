// Suppression comments and settings (rules off, severity overrides, start method, enable).
import * as assert from 'assert';
import { parseSuppression } from '../../../src/lint/suppress';
import { normalizeSettings } from '../../../src/lint/settings';
import { lint, lineOf, py } from './helpers';

const GUARDLESS = py`
  import multiprocessing as mp
  def work(): pass
  p = mp.Process(target=lambda: work())
  p.start()
  p.join()
`;

describe('lint suppression comments', () => {
  it('parses directives', () => {
    assert.deepStrictEqual(parseSuppression('# mpscope: ignore[MP003]'), new Set(['MP003']));
    assert.deepStrictEqual(parseSuppression('# mpscope: ignore[mp003, MP004 ]'), new Set(['MP003', 'MP004']));
    assert.strictEqual(parseSuppression('# mpscope: ignore'), undefined);
    assert.strictEqual(parseSuppression('# noqa  # mpscope:ignore'), undefined);
    assert.strictEqual(parseSuppression('# mpscope: ignored'), false);
    assert.strictEqual(parseSuppression('# just a comment'), false);
  });

  it('ignore[CODE] silences that code on that line only', async () => {
    const src = GUARDLESS.replace('p.start()', 'p.start()  # mpscope: ignore[MP001]');
    const found = await lint(src);
    assert.deepStrictEqual(found.map((f) => f.code), ['MP004']);
  });

  it('a bare ignore silences every code on the line', async () => {
    const src = GUARDLESS.replace('p.start()', 'p.start()  # mpscope: ignore').replace(
      'p = mp.Process(target=lambda: work())',
      'p = mp.Process(target=lambda: work())  # mpscope: ignore',
    );
    assert.deepStrictEqual(await lint(src), []);
  });

  it('another code on the line does not silence it', async () => {
    const src = GUARDLESS.replace('p.start()', 'p.start()  # mpscope: ignore[MP002]');
    assert.deepStrictEqual((await lint(src)).map((f) => f.code), ['MP004', 'MP001']);
  });

  it('a comment on the first line of a multi-line statement covers the whole statement', async () => {
    const src = py`
      from multiprocessing import Pool
      def main():
          with Pool() as pool:
              pool.map(  # mpscope: ignore[MP004]
                  lambda x: x,
                  [1],
              )
    `;
    assert.deepStrictEqual(await lint(src), []);
  });
});

describe('lint settings', () => {
  it('normalizes what the client sends', () => {
    assert.deepStrictEqual(normalizeSettings({ enable: false, rules: { mp003: 'off', MP004: 'bogus' }, startMethod: 'spawn' }), {
      enable: false,
      rules: { MP003: 'off' },
      startMethod: 'spawn',
    });
    assert.deepStrictEqual(normalizeSettings(null), { enable: true, rules: {}, startMethod: 'auto' });
    assert.deepStrictEqual(normalizeSettings({ startMethod: 'thread' }).startMethod, 'auto');
  });

  it('enable: false turns every rule off', async () => {
    assert.deepStrictEqual(await lint(GUARDLESS, { settings: { enable: false, rules: {}, startMethod: 'auto' } }), []);
  });

  it('rules: "off" removes a rule, a severity overrides it', async () => {
    const found = await lint(GUARDLESS, { settings: { enable: true, rules: { MP001: 'off', MP004: 'hint' }, startMethod: 'auto' } });
    assert.deepStrictEqual(found.map((f) => [f.code, f.severity]), [['MP004', 'hint']]);
  });

  it('startMethod decides the main-guard severity: error under spawn/forkserver, warning under fork', async () => {
    const sev = async (startMethod: 'fork' | 'spawn' | 'forkserver' | 'auto', platform: NodeJS.Platform = 'linux') =>
      (await lint(GUARDLESS, { settings: { enable: true, rules: {}, startMethod }, platform })).find((f) => f.code === 'MP001')!.severity;
    assert.strictEqual(await sev('fork'), 'warning');
    assert.strictEqual(await sev('spawn'), 'error');
    assert.strictEqual(await sev('forkserver'), 'error');
    assert.strictEqual(await sev('auto', 'linux'), 'warning');
    assert.strictEqual(await sev('auto', 'win32'), 'error');
    assert.strictEqual(await sev('auto', 'darwin'), 'error');
  });

  it('auto follows the start method the file asks for', async () => {
    const src = GUARDLESS.replace('def work(): pass', 'def work(): pass\nmp.set_start_method("forkserver")');
    const f = (await lint(src, { platform: 'linux' })).find((x) => x.code === 'MP001')!;
    assert.strictEqual(f.severity, 'error');
    assert.strictEqual(lineOf(src, f), 5);
  });
});
