// mpscope.run.prefixOutput through the real runner: real Python processes (fork, spawn,
// forkserver, a Pool, os._exit, subprocesses) write to the run's shared pipes, the agent tags
// each line, and attributeSessionOutput must name the writer of every line, lose nothing and
// show no tag. With the option off, the output must be byte for byte that of plain python3.
import * as assert from 'assert';
import * as path from 'path';
import { attributeSessionOutput, OUTPUT_TAG_OSC, type OutputStream } from '../../../src/runner/outputTags';
import { Session, type SessionOptions } from '../../../src/runner/session';
import type { RunReport } from '../../../src/runner/report';
import { FIXTURES, plainRun, pythonVersion } from './helpers';

const TAG = `\x1b]${OUTPUT_TAG_OSC};`;

interface Piece {
  text: string;
  stream: OutputStream;
  who: string | undefined;
}

interface PrefixedRun {
  report: RunReport;
  pieces: Piece[];
  /** The pipes' bytes as the agent wrote them (tags included). */
  raw: Record<OutputStream, Buffer>;
}

const sessions = new Set<Session>();

async function run(script: string, options: Partial<SessionOptions> = {}): Promise<PrefixedRun> {
  const session = new Session({
    script: path.join(FIXTURES, 'prefix', script),
    cwd: path.join(FIXTURES, 'prefix'),
    strict: true,
    stdin: 'ignore',
    ...options,
  });
  sessions.add(session);
  await session.start();
  const pieces: Piece[] = [];
  const raw: Record<OutputStream, Buffer[]> = { stdout: [], stderr: [] };
  session.stdout!.on('data', (d: Buffer) => raw.stdout.push(d));
  session.stderr!.on('data', (d: Buffer) => raw.stderr.push(d));
  if (options.prefixOutput) attributeSessionOutput(session, (text, stream, who) => pieces.push({ text, stream, who }));
  const report = await session.wait();
  return { report, pieces, raw: { stdout: Buffer.concat(raw.stdout), stderr: Buffer.concat(raw.stderr) } };
}

/** A stream's text as the user reads it, tags taken out. */
function text(r: PrefixedRun, stream: OutputStream): string {
  return r.pieces
    .filter((p) => p.stream === stream)
    .map((p) => p.text)
    .join('');
}

/** Every non-empty line fragment with its writer (a partial line cut by another writer is two). */
function fragments(r: PrefixedRun): Array<{ line: string; stream: OutputStream; who: string | undefined }> {
  return r.pieces.flatMap((p) =>
    p.text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => ({ line, stream: p.stream, who: p.who })),
  );
}

/** The writer a fixture line names ("... of SpawnProcess-3", "hello from ForkProcess-1 ..."). */
function author(line: string): string | undefined {
  return / (?:of|from) ([A-Za-z]+(?:-\d+)?)\b/.exec(line)?.[1];
}

function assertNoTags(r: PrefixedRun): void {
  for (const p of r.pieces) assert.ok(!p.text.includes('\x1b'), `an escape reached the user: ${JSON.stringify(p.text)}`);
}

describe('runner: prefixed output (mpscope.run.prefixOutput)', function () {
  this.timeout(60_000);

  afterEach(async () => {
    const live = [...sessions];
    sessions.clear();
    await Promise.all(live.map((s) => (s.state === 'ended' ? s.wait() : s.stop('test cleanup', 200))));
    for (const s of live) assert.deepStrictEqual(s.remainingPids({ zombies: true }), [], 'processes left behind');
  });

  it('names the writer of every line: fork and spawn children at once, a Pool, stderr, partial lines, os._exit', async () => {
    const r = await run('interleave.py', { prefixOutput: true });
    assert.deepStrictEqual(r.report.agentErrors, []);
    assert.strictEqual(r.report.exitCode, 5);
    assert.ok(r.raw.stdout.includes(TAG) && r.raw.stderr.includes(TAG), 'the agent tagged its output');
    assertNoTags(r);

    const frags = fragments(r);
    for (const f of frags) {
      if (f.line === 'raw line, straight to the fd' || f.line === 'line of echo') {
        assert.strictEqual(f.who, undefined, `${f.line}: written straight to the fd, so nobody's`);
      } else if (f.line === 'line of a python subprocess') {
        assert.match(f.who ?? '', /^pid \d+$/, 'a Python subprocess has no multiprocessing name');
      } else if (f.line === 'multi' || f.line === 'line') {
        assert.strictEqual(f.who, 'MainProcess', 'each line of one write is tagged');
      } else {
        assert.strictEqual(f.who, author(f.line), `"${f.line}" (${f.stream}) attributed to ${f.who}`);
      }
    }

    // Nothing lost or garbled, in order, per process: join each writer's fragments.
    const chatters = [...new Set(frags.map((f) => author(f.line)).filter((n) => n && /^(Fork|Spawn)Process-/.test(n)))];
    const of = (who: string, stream: OutputStream) =>
      r.pieces
        .filter((p) => p.who === who && p.stream === stream)
        .map((p) => p.text)
        .join('');
    const quitter = chatters.find((n) => of(n!, 'stdout').startsWith('last words'));
    assert.ok(quitter, 'the os._exit child was heard');
    assert.strictEqual(of(quitter!, 'stdout'), `last words of ${quitter}\n`);
    assert.strictEqual(of(quitter!, 'stderr'), `stderr before os._exit of ${quitter}\n`);
    const talkers = chatters.filter((n) => n !== quitter) as string[];
    assert.deepStrictEqual(talkers.map((n) => n.replace(/-\d+$/, '')).sort(), ['ForkProcess', 'ForkProcess', 'SpawnProcess', 'SpawnProcess']);
    for (const n of talkers) {
      const lines = Array.from({ length: 20 }, (_, k) => `line ${k} of ${n}\n`).join('');
      assert.strictEqual(of(n, 'stdout'), `${lines}partial of ${n} rest of ${n}\n`);
      assert.strictEqual(of(n, 'stderr'), [0, 5, 10, 15].map((k) => `warning ${k} of ${n}\n`).join(''));
    }
    assert.strictEqual(of('MainProcess', 'stdout').split('\n')[0], 'start of MainProcess end of MainProcess');
    assert.match(text(r, 'stdout'), /exit codes of MainProcess: \[0, 0, 0, 0, 3\]/);
    const tasks = frags.filter((f) => f.line.startsWith('task '));
    assert.strictEqual(tasks.length, 6);
    for (const t of tasks) assert.match(t.who ?? '', /^SpawnPoolWorker-\d+$/);
  });

  for (const startMethod of [undefined, 'forkserver'] as const) {
    it(`gives exactly plain python3's text, each line with its writer${startMethod ? ` (start method ${startMethod})` : ''}`, async () => {
      const plain = plainRun('prefix/sequential.py');
      const r = await run('sequential.py', { prefixOutput: true, startMethod });
      assert.strictEqual(r.report.exitCode, plain.status);
      assertNoTags(r);
      const names = startMethod ? ['ForkServerProcess', 'ForkServerProcess'] : ['ForkProcess', 'SpawnProcess'];
      const rename = (s: string) => (startMethod ? s.replace(/(Fork|Spawn)Process-/g, 'ForkServerProcess-') : s);
      assert.strictEqual(text(r, 'stdout'), rename(plain.stdout));
      assert.strictEqual(text(r, 'stderr'), rename(plain.stderr));
      assertSequentialWriters(r, names);
    });
  }

  for (const version of ['3.8', '3.13']) {
    it(`works the same on Python ${version}`, async function () {
      const python = pythonVersion(version);
      if (!python) this.skip();
      const plain = plainRun('prefix/sequential.py', python);
      const r = await run('sequential.py', { prefixOutput: true, python });
      assert.deepStrictEqual(r.report.agentErrors, []);
      assertNoTags(r);
      assert.strictEqual(text(r, 'stdout'), plain.stdout);
      assert.strictEqual(text(r, 'stderr'), plain.stderr);
      assertSequentialWriters(r, ['ForkProcess', 'SpawnProcess']);
    });
  }

  it("leaves the program's view of its streams as it was: isatty, buffering, encoding, write()", async () => {
    const plain = plainRun('prefix/streams.py');
    const r = await run('streams.py', { prefixOutput: true });
    assertNoTags(r);
    assert.strictEqual(text(r, 'stdout'), plain.stdout);
    assert.strictEqual(text(r, 'stderr'), plain.stderr);
    assert.ok(r.pieces.every((p) => p.who === 'MainProcess'));
  });

  it('off (the default; the CLI never turns it on): byte for byte what plain python3 writes, no tag', async () => {
    for (const script of ['sequential.py', 'streams.py', 'interleave.py']) {
      const plain = plainRun(`prefix/${script}`);
      const r = await run(script);
      assert.strictEqual(r.report.exitCode, plain.status, script);
      assert.ok(!r.raw.stdout.includes(TAG) && !r.raw.stderr.includes(TAG), `${script}: no tag when off`);
      if (script === 'interleave.py') continue; // processes race: same lines, not the same order
      assert.strictEqual(r.raw.stdout.toString('utf8'), plain.stdout, script);
      assert.strictEqual(r.raw.stderr.toString('utf8'), plain.stderr, script);
    }
  });
});

/** sequential.py's lines, each with its writer (its children are named `${names[i]}-${i + 1}`). */
function assertSequentialWriters(r: PrefixedRun, names: string[]): void {
  const expected = [
    ['partial line from MainProcess', 'stdout', 'MainProcess'],
    [`hello from ${names[0]}-1 (fork)`, 'stdout', `${names[0]}-1`],
    [`stderr from ${names[0]}-1`, 'stderr', `${names[0]}-1`],
    [`hello from ${names[1]}-2 (spawn)`, 'stdout', `${names[1]}-2`],
    [`stderr from ${names[1]}-2`, 'stderr', `${names[1]}-2`],
    [', ended by MainProcess', 'stdout', 'MainProcess'],
    ['raw os.write, no prefix', 'stdout', undefined],
    ['two lines in one write', 'stdout', 'MainProcess'],
    ['from MainProcess', 'stdout', 'MainProcess'],
  ];
  const actual = fragments(r).map((f) => [f.line, f.stream, f.who]);
  assert.deepStrictEqual(actual.sort(byStreamKeepingOrder), expected.sort(byStreamKeepingOrder));
}

/**
 * The fragments come in arrival order, and stdout and stderr are separate pipes: which of two
 * writes to different pipes arrives first is not fixed. Compare each stream's own order.
 */
function byStreamKeepingOrder(a: unknown[], b: unknown[]): number {
  return a[1] === b[1] ? 0 : a[1] === 'stdout' ? -1 : 1;
}
