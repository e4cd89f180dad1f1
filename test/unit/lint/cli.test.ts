// `mpscope lint`: text, JSON and SARIF output, exit statuses, directory walk, unparsable files.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PassThrough } from 'stream';
import { main } from '../../../src/cli/main';
import { py } from './helpers';
import { assertValidSarif } from './sarif-valid';

async function runCli(argv: string[], cwd: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(argv, { stdout, stderr, cwd, env: {} });
  return { code, out, err };
}

const BAD = py`
  import multiprocessing as mp
  def work(): pass
  p = mp.Process(target=work)
  p.start()
  p.join()
`;
const CLEAN = py`
  import multiprocessing as mp
  def work(): pass
  if __name__ == "__main__":
      p = mp.Process(target=work)
      p.start()
      p.join()
`;
const BROKEN = 'import multiprocessing\ndef f(:\n    pass\n';

describe('cli: mpscope lint', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-lint-cli-'));
    const write = (rel: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    };
    write('proj/bad.py', BAD);
    write('proj/clean.py', CLEAN);
    write('proj/pkg/deep/nested.py', BAD);
    write('proj/notes.txt', BAD);
    write('proj/.hidden/skipped.py', BAD);
    write('proj/venv/pyvenv.cfg', 'home = /usr\n');
    write('proj/venv/lib/site.py', BAD);
    write('broken/broken.py', BROKEN);
    write('broken/bad.py', BAD);
    write('clean/only.py', CLEAN);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('walks directories for *.py (skipping hidden dirs and virtual environments), prints findings, exits 1', async () => {
    const r = await runCli(['lint', 'proj'], dir);
    assert.strictEqual(r.code, 1);
    assert.strictEqual(r.err, '');
    const lines = r.out.trim().split('\n');
    assert.deepStrictEqual(lines.slice(0, -1), [
      `proj/bad.py:4:1: warning MP001 ${lines[0].split(' MP001 ')[1]}`,
      `proj/pkg/deep/nested.py:4:1: warning MP001 ${lines[1].split(' MP001 ')[1]}`,
    ]);
    assert.match(lines[0], /\[missing-main-guard\]$/);
    assert.strictEqual(lines[lines.length - 1], '2 findings (0 error, 2 warning, 0 other) in 3 files');
  });

  it('exits 0 when nothing of warning level is found', async () => {
    const r = await runCli(['lint', 'clean'], dir);
    assert.strictEqual(r.code, 0);
    assert.strictEqual(r.out, '0 findings in 1 file\n');
  });

  it('--json prints findings with 1-based positions', async () => {
    const r = await runCli(['lint', '--json', 'proj/bad.py', '--start-method', 'spawn'], dir);
    assert.strictEqual(r.code, 1);
    const json = JSON.parse(r.out);
    assert.strictEqual(json.version, 1);
    assert.strictEqual(json.files, 1);
    assert.deepStrictEqual(json.problems, []);
    assert.strictEqual(json.findings.length, 1);
    const f = json.findings[0];
    assert.deepStrictEqual(
      [f.file, f.code, f.name, f.severity, f.line, f.column, f.endLine, f.endColumn],
      ['proj/bad.py', 'MP001', 'missing-main-guard', 'error', 4, 1, 4, 10],
    );
    assert.deepStrictEqual(f.fixes, ['Wrap module-level code in `if __name__ == "__main__":`']);
  });

  it('--sarif writes SARIF 2.1.0', async () => {
    const out = path.join(dir, 'out.sarif');
    const r = await runCli(['lint', '--sarif', out, 'proj'], dir);
    assert.strictEqual(r.code, 1);
    const sarif = JSON.parse(fs.readFileSync(out, 'utf8'));
    assertValidSarif(sarif);
    assert.strictEqual(sarif.version, '2.1.0');
    assert.match(sarif.$schema, /sarif-2\.1\.0/);
    const run = sarif.runs[0];
    assert.strictEqual(run.tool.driver.name, 'mpscope');
    assert.ok(run.tool.driver.rules.some((x: { id: string }) => x.id === 'MP001'));
    assert.strictEqual(run.results.length, 2);
    const res = run.results[0];
    assert.strictEqual(res.ruleId, 'MP001');
    assert.strictEqual(res.level, 'warning');
    assert.strictEqual(run.tool.driver.rules[res.ruleIndex].id, 'MP001');
    const loc = res.locations[0].physicalLocation;
    assert.deepStrictEqual(loc.artifactLocation, { uri: 'proj/bad.py', uriBaseId: 'SRCROOT' });
    assert.deepStrictEqual(loc.region, { startLine: 4, startColumn: 1, endLine: 4, endColumn: 10 });
    // The text report still goes to stdout.
    assert.match(r.out, /2 findings/);
  });

  it('--sarif - writes SARIF to stdout only', async () => {
    const r = await runCli(['lint', '--sarif', '-', 'clean'], dir);
    assert.strictEqual(r.code, 0);
    assert.strictEqual(JSON.parse(r.out).runs[0].results.length, 0);
  });

  it('reports a file that does not parse with its parse error and still checks the others', async () => {
    const r = await runCli(['lint', '--json', 'broken'], dir);
    assert.strictEqual(r.code, 1);
    const json = JSON.parse(r.out);
    assert.deepStrictEqual(json.problems.map((p: { file: string; kind: string; line: number }) => [p.file, p.kind, p.line]), [
      ['broken/broken.py', 'syntax-error', 2],
    ]);
    assert.match(json.problems[0].message, /syntax error/);
    assert.deepStrictEqual(json.findings.map((f: { file: string; code: string }) => [f.file, f.code]), [['broken/bad.py', 'MP001']]);
    const sarif = await runCli(['lint', '--sarif', '-', 'broken'], dir);
    assertValidSarif(JSON.parse(sarif.out));
    const notes = JSON.parse(sarif.out).runs[0].invocations[0].toolExecutionNotifications;
    assert.strictEqual(notes.length, 1);
    assert.match(notes[0].message.text, /could not parse/);
  });

  it('--rule turns a rule off or changes its level', async () => {
    assert.strictEqual((await runCli(['lint', '--rule', 'MP001=off', 'proj'], dir)).code, 0);
    const r = await runCli(['lint', '--json', '--rule=mp001=hint', 'proj/bad.py'], dir);
    assert.strictEqual(r.code, 0);
    assert.strictEqual(JSON.parse(r.out).findings[0].severity, 'hint');
  });

  it('exits 2 with one line on usage errors', async () => {
    for (const argv of [
      ['lint'],
      ['lint', '--frobnicate', 'proj'],
      ['lint', 'no/such/path.py'],
      ['lint', '--rule', 'MP999=off', 'proj'],
      ['lint', '--rule', 'MP001=loud', 'proj'],
      ['lint', '--start-method', 'thread', 'proj'],
      ['lint', '--sarif'],
    ]) {
      const r = await runCli(argv, dir);
      assert.strictEqual(r.code, 2, argv.join(' '));
      assert.match(r.err, /^mpscope: [^\n]+\n$/, argv.join(' '));
    }
  });

  it('--help lists the rules', async () => {
    const r = await runCli(['lint', '--help'], dir);
    assert.strictEqual(r.code, 0);
    assert.match(r.out, /MP001 +error +missing-main-guard/);
    assert.match(r.out, /MP015/);
  });
});
