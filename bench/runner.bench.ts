// Overhead of running under mpscope, against plain python3, measured side by side in one run:
// each workload alternates plain / mpscope runs, and the medians are compared.
//   Pool.map of 20,000 small tasks             wall time    target <= 1.15x
//   Queue producer/consumer of 50,000 messages wall time    target <= 1.15x
//   200,000 uncontended Lock acquire/release   loop time    target <= 1.5x  (the hot path: the
//                                              loop is timed inside the script, since interpreter
//                                              start-up would otherwise dominate)
// The mpscope side is a Session driven in this process (as the editor drives it), so Node's own
// start-up is not counted; the supervisor, the agent and the socket are. As in the editor, the
// run starts on a supervisor made ready before it (src/runner/warmSupervisor.ts; the editor does
// that when a run ends): the bench waits until it is ready, outside the timed part, so that its
// start-up never overlaps a timed run. The Pool.map workload is also measured without one (cold:
// fork mode, as the CLI and an editor's first run start), printed for information.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Session } from '../src/runner/session';
import { disposeWarmSupervisors } from '../src/runner/warmSupervisor';

const REPS = Number(process.env.MPSCOPE_BENCH_REPS ?? 15);

const WORKLOADS: Array<{ name: string; target: number; metric: 'wall' | 'loop'; code: string; coldToo?: boolean }> = [
  {
    name: 'Pool.map of 20,000 small tasks',
    target: 1.15,
    metric: 'wall',
    coldToo: true,
    code: `
import multiprocessing as mp

def f(x):
    return x * 2

if __name__ == "__main__":
    with mp.Pool(2) as pool:
        assert sum(pool.map(f, range(20000))) == 2 * sum(range(20000))
`,
  },
  {
    name: 'Queue producer/consumer of 50,000 messages',
    target: 1.15,
    metric: 'wall',
    code: `
import multiprocessing as mp

N = 50000

def produce(q):
    for i in range(N):
        q.put(i)
    q.put(None)

if __name__ == "__main__":
    q = mp.Queue()
    p = mp.Process(target=produce, args=(q,))
    p.start()
    total = 0
    while True:
        item = q.get()
        if item is None:
            break
        total += item
    p.join()
    assert total == sum(range(N))
`,
  },
  {
    name: '200,000 uncontended multiprocessing.Lock acquire/release pairs',
    target: 1.5,
    metric: 'loop',
    code: `
import multiprocessing as mp
import time

if __name__ == "__main__":
    lock = mp.Lock()
    t = time.perf_counter()
    for _ in range(200000):
        lock.acquire()
        lock.release()
    print("LOOP", time.perf_counter() - t)
`,
  },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function loopTime(stdout: string): number {
  const m = /LOOP ([\d.e-]+)/.exec(stdout);
  if (!m) throw new Error(`no loop time in output: ${stdout.slice(0, 200)}`);
  return Number(m[1]) * 1000;
}

async function plain(python: string, script: string): Promise<{ wall: number; stdout: string }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(python, [script], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ wall: performance.now() - t, stdout }) : reject(new Error(`exit ${code}`))));
  });
}

async function underMpscope(python: string, script: string, warm: boolean): Promise<{ wall: number; stdout: string }> {
  const stdio = { stdin: 'ignore', stderr: 'inherit' } as const;
  if (warm && !(await Session.prewarm({ python, ...stdio }).ready)) throw new Error('the warm supervisor did not start');
  const t = performance.now();
  const session = new Session({ script, python, ...stdio });
  let stdout = '';
  await session.start();
  session.stdout!.on('data', (d: Buffer) => (stdout += d));
  const report = await session.wait();
  const wall = performance.now() - t;
  if (report.exitCode !== 0) throw new Error(`exit ${report.exitCode}`);
  if (report.agentErrors.length) throw new Error(`agent errors: ${report.agentErrors.join('; ')}`);
  return { wall, stdout };
}

async function main(): Promise<void> {
  // The real interpreter behind python3 (a pyenv shim would add its own start-up to both sides).
  const which = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  if (which.status !== 0) throw new Error('python3 not found');
  const python = which.stdout.trim();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-bench-'));
  try {
    // MPSCOPE_BENCH_ONLY=<text>: only the workloads whose name contains it (for profiling one).
    const only = process.env.MPSCOPE_BENCH_ONLY;
    for (const w of WORKLOADS.filter((x) => !only || x.name.toLowerCase().includes(only.toLowerCase()))) {
      const script = path.join(dir, `${w.name.replace(/\W+/g, '_')}.py`);
      fs.writeFileSync(script, w.code);
      // The Pool workload once more without a ready supervisor: for information, no target.
      for (const warm of w.coldToo ? [true, false] : [true]) {
        await plain(python, script); // warm the file cache and the bytecode
        await underMpscope(python, script, warm);
        const base: number[] = [];
        const ours: number[] = [];
        for (let i = 0; i < REPS; i++) {
          const a = await plain(python, script);
          const b = await underMpscope(python, script, warm);
          base.push(w.metric === 'wall' ? a.wall : loopTime(a.stdout));
          ours.push(w.metric === 'wall' ? b.wall : loopTime(b.stdout));
        }
        const ratio = median(ours) / median(base);
        const measured = `[${w.metric} time, median of ${REPS}: ${median(ours).toFixed(0)} ms vs ${median(base).toFixed(0)} ms]`;
        console.log(
          warm
            ? `runner: ${w.name}: ${ratio.toFixed(2)}x of plain python3 (target <= ${w.target}x) ${measured}${ratio <= w.target ? '' : '  ABOVE TARGET'}`
            : `runner: ${w.name}, cold start (no supervisor ready: the CLI, an editor's first run): ${ratio.toFixed(2)}x ${measured}`,
        );
      }
    }
  } finally {
    disposeWarmSupervisors();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // Above-target ratios are reported, not failed: the run could measure (see bench/run.js).
}

main().catch((e) => {
  console.error(`runner bench: ${(e as Error).message}`);
  process.exit(1);
});
