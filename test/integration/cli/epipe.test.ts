// A reader that goes away (`mpscope ps | head -1`): the CLI stops writing and exits quietly with
// its own status, and a run still finishes, stops its processes and writes its files. Real pipes:
// a shell pipeline into head, or a FIFO whose reader is closed before mpscope starts (the
// deterministic form of `| head -1` when head has already exited).
import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PassThrough } from 'stream';
import { main } from '../../../src/cli/main';

const REPO = path.resolve(__dirname, '..', '..', '..');
const MAIN = path.join(REPO, 'src', 'cli', 'main.ts');
const TSX = require.resolve('tsx/cjs');

/** What Node prints for an unhandled stream error (our bug), as opposed to a script's traceback. */
const NODE_TRACE = /Unhandled 'error' event|node:internal|node:events|Error: write EPIPE|^\s+at .+:\d+:\d+\)?$/m;

interface Result {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Each test's spawned process groups, killed in afterEach whatever happened. */
const groups = new Set<number>();

function finish(child: ReturnType<typeof spawn>, timeoutMs: number, what: string): Promise<Result> {
  groups.add(child.pid!);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not finish in ${timeoutMs} ms (hung)`)), timeoutMs);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      groups.delete(child.pid!);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/**
 * `mpscope ARGS 2>ERR | READER` in bash: resolves to mpscope's exit status and stderr, and the
 * reader's output as stdout.
 */
function pipeline(args: string[], reader: string, cwd: string, timeoutMs = 60_000): Promise<Result> {
  const err = path.join(cwd, `stderr-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const script = `"$NODE" --require "$TSX" "$MAIN" ${quoted} 2>"$ERR" | ${reader}; exit \${PIPESTATUS[0]}`;
  const child = spawn('bash', ['-c', script], {
    cwd,
    env: { ...process.env, NODE: process.execPath, TSX, MAIN, ERR: err, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  return finish(child, timeoutMs, `mpscope ${args.join(' ')} | ${reader}`).then((r) => {
    r.stderr = fs.readFileSync(err, 'utf8');
    fs.rmSync(err, { force: true });
    return r;
  });
}

/** A write end of a pipe (a FIFO) whose reader has already gone: the first write fails with EPIPE. */
function closedPipe(dir: string): number {
  const fifo = path.join(dir, `fifo-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const made = spawnSync('mkfifo', [fifo]);
  assert.strictEqual(made.status, 0, String(made.stderr));
  const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const writer = fs.openSync(fifo, fs.constants.O_WRONLY);
  fs.closeSync(reader);
  fs.rmSync(fifo);
  return writer;
}

/** mpscope ARGS with stdout (or stderr) on a pipe nobody reads any more. */
function intoClosedPipe(args: string[], cwd: string, which: 'stdout' | 'stderr' | 'both', timeoutMs = 60_000): Promise<Result> {
  const fd = closedPipe(cwd);
  try {
    const child = spawn(process.execPath, ['--require', TSX, MAIN, ...args], {
      cwd,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', which === 'stderr' ? 'pipe' : fd, which === 'stdout' ? 'pipe' : fd],
      detached: true,
    });
    return finish(child, timeoutMs, `mpscope ${args.join(' ')} > closed pipe`);
  } finally {
    fs.closeSync(fd);
  }
}

/** A multiprocessing script whose processes all print a lot and record their pids. */
const CHATTY = `
import multiprocessing as mp
import os
import sys


def record():
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "pids"), "a") as f:
        f.write("%d\\n" % os.getpid())


def work(i):
    record()
    for n in range(5000):
        print("worker", i, n, "x" * 100)
    return i


if __name__ == "__main__":
    record()
    with mp.Pool(3) as pool:
        print(pool.map(work, range(6)))
    ps = [mp.Process(target=work, args=(i,)) for i in range(2)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    print("done")
`;

/** Starts and joins a child, prints nothing: a run without findings (exit 0). */
const QUIET = `
import multiprocessing as mp


def work():
    pass


if __name__ == "__main__":
    p = mp.Process(target=work)
    p.start()
    p.join()
`;

/** Prints 2 MB in 1 KB lines, then exits 0: blocks for good if its output pipe is not drained. */
const TWO_MB = `
import sys
line = "y" * 1023 + "\\n"
for _ in range(2048):
    sys.stdout.write(line)
`;

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('cli: a closed stdout (EPIPE)', function () {
  this.timeout(120_000);
  let dir: string;
  let recorded: () => number[];

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-epipe-'));
    fs.writeFileSync(path.join(dir, 'chatty.py'), CHATTY);
    fs.writeFileSync(path.join(dir, 'two_mb.py'), TWO_MB);
    fs.writeFileSync(path.join(dir, 'quiet.py'), QUIET);
    // More than a pipe holds (64 KiB), so that `| head -1` closes while lint is still writing.
    const bad = 'import multiprocessing as mp\ndef work(): pass\n' + 'mp.Process(target=work).start()\n'.repeat(40);
    fs.mkdirSync(path.join(dir, 'lintme'));
    for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(dir, 'lintme', `bad_${i}.py`), bad);
    recorded = () => {
      const file = path.join(dir, 'pids');
      return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : [];
    };
  });
  afterEach(() => {
    for (const pgid of groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    groups.clear();
    for (const pid of recorded()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    fs.rmSync(path.join(dir, 'pids'), { force: true });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('mpscope ps --all | head -1: the first line, then a quiet exit with ps\'s own status', async () => {
    const r = await pipeline(['ps', '--all'], 'head -1', dir);
    assert.match(r.stdout, /^\s*PID\s+PPID\s+STATE/);
    assert.strictEqual(r.stderr, '');
    assert.ok(r.status === 0 || r.status === 1, `status ${r.status}`);
    // The reader gone before the first write: the same, deterministically.
    const closed = await intoClosedPipe(['ps', '--all', '--pid', String(process.pid)], dir, 'stdout');
    assert.strictEqual(closed.stderr, '');
    assert.strictEqual(closed.status, 0);
    const json = await intoClosedPipe(['ps', '--json', '--all', '--pid', String(process.pid)], dir, 'stdout');
    assert.strictEqual(json.stderr, '');
    assert.strictEqual(json.status, 0);
  });

  it('mpscope lint ... | head -1: one finding, then a quiet exit 1 (findings)', async () => {
    const r = await pipeline(['lint', 'lintme'], 'head -1', dir);
    assert.match(r.stdout, /^lintme\/bad_\d+\.py:\d+:\d+: \w+ MP\d{3} .*\n$/);
    assert.strictEqual(r.stderr, '');
    assert.strictEqual(r.status, 1);
    for (const args of [['lint', 'lintme'], ['lint', '--json', 'lintme'], ['lint', '--sarif', '-', 'lintme']]) {
      const closed = await intoClosedPipe(args, dir, 'stdout');
      assert.strictEqual(closed.stderr, '', args.join(' '));
      assert.strictEqual(closed.status, 1, args.join(' '));
    }
  });

  it('mpscope run --json ... | head -c 10: the report is cut, the run still ends, files are written, nothing is left', async () => {
    const report = path.join(dir, 'report.json');
    const r = await pipeline(['run', '--json', '--report', report, 'chatty.py'], 'head -c 10', dir);
    assert.strictEqual(r.stdout, '{"version"');
    assert.doesNotMatch(r.stderr, NODE_TRACE);
    assert.strictEqual(r.status, 0, r.stderr.slice(-2000));
    assert.strictEqual(JSON.parse(fs.readFileSync(report, 'utf8')).exitCode, 0);
    fs.rmSync(report);

    const closed = await intoClosedPipe(['run', '--json', '--report', report, 'chatty.py'], dir, 'stdout');
    assert.doesNotMatch(closed.stderr, NODE_TRACE);
    assert.strictEqual(closed.status, 0, closed.stderr.slice(-2000));
    assert.strictEqual(JSON.parse(fs.readFileSync(report, 'utf8')).exitCode, 0);
    assert.deepStrictEqual(recorded().filter(alive), [], 'processes left behind');
  });

  it("mpscope run ... | head -1: the script's own output stops; the run ends, is reported, and leaves nothing", async () => {
    const started = Date.now();
    const r = await pipeline(['run', 'chatty.py'], 'head -1', dir);
    // One line; the processes write unbuffered, so its words may come from several of them.
    assert.match(r.stdout, /^[^\n]*worker[^\n]*\n$/);
    // The script fails the way it would without mpscope (BrokenPipeError); mpscope says so.
    assert.match(r.stderr, /BrokenPipeError/);
    assert.match(r.stderr, /^mpscope: chatty\.py exited with code 1 after /m);
    assert.doesNotMatch(r.stderr, NODE_TRACE);
    assert.strictEqual(r.status, 1);
    assert.ok(Date.now() - started < 60_000);
    assert.ok(recorded().length >= 2, 'the workers ran');
    assert.deepStrictEqual(recorded().filter(alive), [], 'processes left behind');
  });

  it('mpscope run ... 2>&1 | head: the summary on a closed stderr is dropped, the run keeps its status', async () => {
    // Nothing is left to show a stack trace on, so the exit status tells: 0 (no findings), not
    // the 1 of a crash. --report shows the run was complete.
    const report = path.join(dir, 'quiet.json');
    const r = await intoClosedPipe(['run', '--report', report, 'quiet.py'], dir, 'both');
    assert.strictEqual(r.signal, null);
    assert.strictEqual(r.status, 0);
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(report, 'utf8')).findings, []);
    const chatty = await intoClosedPipe(['run', 'chatty.py'], dir, 'both');
    assert.strictEqual(chatty.status, 1, 'the script failed on its closed stdout');
    assert.deepStrictEqual(recorded().filter(alive), [], 'processes left behind');
  });

  it('mpscope run into a stream without a file descriptor that closes: the rest is drained, the run does not hang', async () => {
    // main() called by a tool with its own streams: the script writes into a pipe mpscope forwards.
    const stdout = new PassThrough();
    stdout.once('data', () => stdout.destroy());
    const stderr = new PassThrough();
    stderr.resume();
    const report = path.join(dir, 'drained.json');
    const code = await main(['run', '--timeout', '30', '--report', report, 'two_mb.py'], { stdout, stderr, cwd: dir, env: process.env });
    const rep = JSON.parse(fs.readFileSync(report, 'utf8'));
    assert.strictEqual(rep.stopped, null, `the run was stopped: ${JSON.stringify(rep.stopped)}`);
    assert.strictEqual(rep.exitCode, 0);
    assert.strictEqual(code, 0);
  });
});
