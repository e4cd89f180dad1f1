// Deadlock detection (issue 5):
//   deadlock.latency   time from the moment a deadlock forms to its report, over the positive
//                      fixtures of test/fixtures/deadlock, under the real runner with
//                      --hang-timeout 1; median; target <= hang-timeout + 250 ms.
//                      "Forms": each fixture appends "pid epoch-seconds" to $MPSCOPE_DL_FORMED
//                      just before each of its processes blocks; the latest stamp is the moment
//                      the last process blocked. "Report": the session's 'deadlock' event.
//   deadlock.lock-loop the loop of 200,000 uncontended multiprocessing.Lock acquire/release
//                      pairs (and `with lock:`), timed inside the script (CPU time, best of 5:
//                      the runner's own processes compete for the CPU in wall time), under
//                      mpscope vs plain python3 in this run: the cost of the instrumentation per
//                      operation. The whole-run ratio (start-up included) is the runner's benchmark.
// Every run is stopped and checked for leftovers, also on failure.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Session } from '../src/runner/session';
import type { Finding } from '../src/runner/findings/types';

const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures', 'deadlock');
const HANG_TIMEOUT_MS = 1000;
const TARGET_MS = HANG_TIMEOUT_MS + 250;
const ROUNDS = Number(process.env.MPSCOPE_BENCH_ROUNDS || 2);

const CASES: Array<[string, string[]]> = [
  ['lock_cycle.py', ['--n=2']],
  ['lock_cycle.py', ['--n=3', '--start=spawn']],
  ['lock_cycle.py', ['--n=8']],
  ['semaphore_cycle.py', []],
  ['manager_lock_cycle.py', []],
  ['self_deadlock.py', []],
  ['dead_holder.py', ['--how=kill']],
  ['queue_get_forever.py', []],
  ['pipe_recv_both.py', []],
  ['event_never_set.py', ['--n=3']],
  ['barrier_too_many.py', []],
  ['join_before_drain.py', []],
  ['pool_worker_killed.py', []],
];

const live = new Set<Session>();
async function stopAll(): Promise<void> {
  await Promise.all([...live].map((s) => (s.state === 'ended' ? s.wait() : s.stop('bench', 200))));
}

async function latency(script: string, args: string[]): Promise<number> {
  const stamps = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-bench-')), 'formed');
  const session = new Session({
    script: path.join(FIXTURES, script),
    args,
    cwd: FIXTURES,
    env: { ...process.env, MPSCOPE_DL_FORMED: stamps },
    hangTimeoutMs: HANG_TIMEOUT_MS,
    timeoutMs: 30_000,
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'ignore',
  });
  live.add(session);
  let reportedAt = 0;
  session.on('deadlock', (_f: Finding[]) => {
    reportedAt = reportedAt || Date.now();
  });
  try {
    await session.start();
    await session.wait();
  } finally {
    live.delete(session);
    if (session.state !== 'ended') await session.stop('bench', 200);
  }
  const left = session.remainingPids({ zombies: true });
  if (left.length) throw new Error(`${script}: processes left behind: ${left.join(' ')}`);
  const formed = Math.max(
    ...fs
      .readFileSync(stamps, 'utf8')
      .trim()
      .split('\n')
      .map((l) => Number(l.split(' ')[1]) * 1000),
  );
  fs.rmSync(path.dirname(stamps), { recursive: true, force: true });
  if (!reportedAt || !Number.isFinite(formed)) throw new Error(`${script} ${args.join(' ')}: no deadlock reported`);
  return reportedAt - formed;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The lock loop's own time (ms, measured by the script), plain and under mpscope. */
async function lockLoop(mode: 'pair' | 'with'): Promise<{ plain: number; mpscope: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-bench-'));
  const script = path.join(dir, 'locks.py');
  fs.writeFileSync(
    script,
    [
      'import multiprocessing, sys, time',
      "if __name__ == '__main__':",
      '    lock = multiprocessing.Lock()',
      '    best = 1e9',
      '    for _ in range(5):',
      '        t = time.process_time()',
      "        if sys.argv[1] == 'with':",
      '            for _ in range(200000):',
      '                with lock:',
      '                    pass',
      '        else:',
      '            for _ in range(200000):',
      '                lock.acquire()',
      '                lock.release()',
      '        best = min(best, time.process_time() - t)',
      "    print('%.3f' % (best * 1000))",
    ].join('\n') + '\n',
  );
  try {
    const plain = Number(spawnSync('python3', [script, mode], { encoding: 'utf8' }).stdout.trim());
    const session = new Session({ script, args: [mode], cwd: dir, stdin: 'ignore', stderr: 'ignore', timeoutMs: 60_000 });
    live.add(session);
    let out = '';
    await session.start();
    session.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    await session.wait();
    live.delete(session);
    return { plain, mpscope: Number(out.trim()) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const all: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [script, args] of CASES) {
      const ms = await latency(script, args);
      all.push(ms);
      console.log(`  ${script} ${args.join(' ')}`.padEnd(48) + `${ms.toFixed(0)} ms`);
    }
  }
  const med = median(all);
  console.log(
    `deadlock.latency: median ${med.toFixed(0)} ms from the deadlock forming to its report over ${all.length} runs ` +
      `(min ${Math.min(...all).toFixed(0)}, max ${Math.max(...all).toFixed(0)}) (target <= ${TARGET_MS} ms = hang-timeout ${HANG_TIMEOUT_MS} + 250) ` +
      (med <= TARGET_MS ? 'OK' : 'OVER'),
  );
  for (const mode of ['pair', 'with'] as const) {
    const r = await lockLoop(mode);
    if (!(r.plain > 0) || !(r.mpscope > 0)) throw new Error('lock loop: no timing');
    console.log(
      `deadlock.lock-loop (${mode === 'pair' ? 'acquire/release' : 'with lock'}): 200,000 uncontended pairs ` +
        `${r.mpscope.toFixed(1)} ms CPU under mpscope vs ${r.plain.toFixed(1)} ms plain = ${(r.mpscope / r.plain).toFixed(2)}x the loop ` +
        `(+${(((r.mpscope - r.plain) / 200_000) * 1e6).toFixed(0)} ns per pair; whole-run target <= 1.5x is the runner's benchmark)`,
    );
  }
}

main()
  .then(stopAll)
  .catch(async (e) => {
    await stopAll();
    console.error(`deadlock bench: ${(e as Error).message}`);
    process.exit(1);
  });
