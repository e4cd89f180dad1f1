// `mpscope ps` on real processes: the JSON contract (one object per process with state, zombie,
// orphan and the rule used), the tree for people, and the exit statuses.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { PassThrough } from 'stream';
import { main } from '../../../src/cli/main';
import type { PsJsonProcess } from '../../../src/cli/commands/ps';
import { ProcfsSource } from '../../../src/procs';
import { Fixture, stopAll, waitFor } from './helpers';

async function runCli(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(argv, { stdout, stderr, cwd: process.cwd(), env: {} });
  return { code, out, err };
}

describe('procs: mpscope ps on real processes', function () {
  this.timeout(60000);
  before(function () {
    if (!ProcfsSource.available()) this.skip();
  });
  afterEach(stopAll);

  it('--json --pid: one object per process, with the zombie and its state', async () => {
    const { fx, subreaper } = await Fixture.start('family.py', ['--zombies', '1', '--sleepers', '1']);
    const fam = await fx.nextJson<{ parent: number; zombies: number[]; sleepers: number[] }>();
    fx.track(fam.parent, ...fam.zombies, ...fam.sleepers);
    const r = await runCli(['ps', '--json', '--pid', String(subreaper)]);
    assert.strictEqual(r.err, '');
    assert.strictEqual(r.code, 1, 'a zombie is shown: status 1');
    const procs = JSON.parse(r.out) as PsJsonProcess[];
    assert.deepStrictEqual(
      procs.map((p) => p.pid).sort((a, b) => a - b),
      [subreaper, fam.parent, ...fam.sleepers, ...fam.zombies].sort((a, b) => a - b),
    );
    const z = procs.find((p) => p.pid === fam.zombies[0])!;
    assert.strictEqual(z.state, 'zombie');
    assert.strictEqual(z.zombie, true);
    assert.strictEqual(z.zombieParentPid, fam.parent);
    assert.strictEqual(z.treeParentPid, fam.parent);
    assert.strictEqual(z.orphan, false);
    const parent = procs.find((p) => p.pid === fam.parent)!;
    assert.strictEqual(parent.zombie, false);
    assert.strictEqual(parent.role, 'main');
    assert.strictEqual(parent.python, true);
    assert.ok(parent.cpuPercent !== null && parent.threads! >= 1 && parent.rssBytes! > 0);
    assert.ok(!Number.isNaN(Date.parse(parent.startTime!)));
    assert.strictEqual(procs.find((p) => p.pid === fam.sleepers[0])!.role, 'fork-child');
  });

  it('--json: an orphan says which rule found it', async () => {
    const { fx, subreaper } = await Fixture.start('family.py', ['--sleepers', '1']);
    const fam = await fx.nextJson<{ parent: number; sleepers: number[] }>();
    fx.track(...fam.sleepers);
    fx.send('exit');
    const source = new ProcfsSource();
    await waitFor('re-parenting', async () => (await source.get(fam.sleepers[0]))?.ppid === subreaper);
    const r = await runCli(['ps', '--json', '--pid', String(fam.sleepers[0])]);
    assert.strictEqual(r.code, 1);
    const [orphan] = JSON.parse(r.out) as PsJsonProcess[];
    assert.strictEqual(orphan.pid, fam.sleepers[0]);
    assert.strictEqual(orphan.orphan, true);
    assert.strictEqual(orphan.orphanRule, 'session-mismatch');
    assert.strictEqual(orphan.orphanStrength, 'strong');
    assert.ok(orphan.orphanDetail && orphan.orphanDetail.includes(String(subreaper)));
    assert.deepStrictEqual(orphan.orphanRules.includes('session-mismatch'), true);
    assert.strictEqual(orphan.ppid, subreaper);
  });

  it('prints an indented tree for people, with the zombie marked', async () => {
    const { fx, subreaper } = await Fixture.start('family.py', ['--zombies', '1']);
    const fam = await fx.nextJson<{ parent: number; zombies: number[] }>();
    fx.track(fam.parent, ...fam.zombies);
    const r = await runCli(['ps', '--pid', String(subreaper)]);
    assert.strictEqual(r.code, 1);
    const lines = r.out.split('\n');
    assert.match(lines[0], /^\s*PID\s+PPID\s+STATE\s+CPU\s+MEM\s+PROCESS$/);
    const parentLine = lines.find((l) => new RegExp(`^\\s*${fam.parent}\\s`).test(l))!;
    const zombieLine = lines.find((l) => new RegExp(`^\\s*${fam.zombies[0]}\\s`).test(l))!;
    assert.match(parentLine, /family\.py/);
    assert.match(zombieLine, /zombie/);
    // Indented one level deeper than its parent.
    const column = lines[0].indexOf('PROCESS');
    const indent = (l: string) => l.slice(column).search(/\S/);
    assert.ok(indent(zombieLine) > indent(parentLine), `${parentLine}\n${zombieLine}`);
    assert.ok(r.out.includes(`ZOMBIE: not reaped by its parent ${fam.parent}`), r.out);
    assert.match(lines[lines.length - 2], /1 zombie, 0 orphans/);
  });

  it('explains a pid that does not exist in one line, status 2', async () => {
    const r = await runCli(['ps', '--pid', '4194303']);
    assert.strictEqual(r.code, 2);
    assert.strictEqual(r.out, '');
    assert.strictEqual(r.err, 'mpscope: no process with pid 4194303 (it may have exited, or is hidden from you)\n');
  });

  it('runs as a real command line (exit status and output of the entry point)', () => {
    const root = path.resolve(__dirname, '../../..');
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'src/cli/main.ts', 'ps', '--json', '--pid', String(process.pid)], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30000,
    });
    assert.strictEqual(r.status, 0, r.stderr);
    const procs = JSON.parse(r.stdout) as PsJsonProcess[];
    assert.strictEqual(procs[0].pid, process.pid);
    assert.strictEqual(procs[0].zombie, false);
    assert.strictEqual(procs[0].orphan, false);
    assert.ok(procs.some((p) => p.pid === r.pid), 'the CLI process itself is a descendant of this test');
  });
});
