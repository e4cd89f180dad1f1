// The fixtures themselves, without mpscope: every positive one really hangs under plain python3
// (each of its processes reached the point where it blocks, and a second later the program is
// still there), every negative one finishes. Each program runs in its own process group, which
// is killed at the end, whatever happens.
import * as assert from 'assert';
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { killProcessGroup } from '../processGroup';
import { FIXTURES } from './helpers';

const POSITIVE: Array<[string, string[], number]> = [
  // script, args, processes that stamp "about to block"
  ['lock_cycle.py', ['--n=2'], 2],
  ['lock_cycle.py', ['--n=3', '--start=spawn'], 3],
  ['lock_cycle.py', ['--n=8'], 8],
  ['thread_lock_cycle.py', ['--mode=threads'], 2],
  ['thread_lock_cycle.py', ['--mode=mixed', '--start=spawn'], 2],
  ['rlock_cycle.py', [], 2],
  ['semaphore_cycle.py', ['--bounded=1'], 3],
  ['condition_cycle.py', [], 2],
  ['manager_lock_cycle.py', [], 2],
  ['self_deadlock.py', ['--where=child', '--start=spawn'], 1],
  ['dead_holder.py', ['--how=exit'], 1],
  ['dead_holder.py', ['--how=raise'], 1],
  ['dead_holder.py', ['--how=terminate'], 1],
  ['dead_holder.py', ['--how=kill'], 1],
  ['queue_get_forever.py', ['--producer=crash'], 1],
  ['queue_put_full.py', [], 1],
  ['pipe_recv_both.py', [], 2],
  ['join_blocked_child.py', [], 1],
  ['event_never_set.py', ['--n=2'], 2],
  ['condition_never_notified.py', [], 1],
  ['barrier_too_many.py', [], 2],
  ['joinable_queue_missing_task_done.py', [], 1],
  ['join_before_drain.py', [], 1],
  ['pool_initializer_fails.py', [], 1],
  ['pool_worker_killed.py', [], 1],
  ['terminate_broken_queue.py', [], 1],
  ['stale_bystander.py', ['--bystander=run'], 2],
  ['stale_bystander.py', ['--bystander=wait', '--kind=RLock', '--start=spawn'], 2],
  ['dead_candidates.py', ['--others=wait'], 1],
  ['dead_candidates.py', ['--others=run', '--how=kill'], 1],
  ['self_deadlock_explicit.py', [], 1],
  ['stranger_child.py', ['--child=isolated'], 2],
];

const NEGATIVE = [
  'neg_consistent_order.py',
  'neg_sleep_get.py',
  'neg_timeouts.py',
  'neg_poll_loop.py',
  'neg_slow_producer.py',
  'neg_barrier_ok.py',
  'neg_condition_wait_for.py',
  'neg_pool_busy.py',
  'neg_join_slow_child.py',
  'potential_lock_order.py',
  'lock_as_signal.py',
  'explicit_lock_order.py',
  'neg_pool_slow_replacement.py',
];

const started: ChildProcess[] = [];


function startPlain(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const p = spawn('python3', [path.join(FIXTURES, script), ...args], { cwd: FIXTURES, env, detached: true, stdio: 'ignore' });
  started.push(p);
  return p;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('deadlock: the fixtures under plain python3', function () {
  this.timeout(60_000);
  afterEach(async () => {
    await Promise.all(started.splice(0).map((p) => killProcessGroup(p.pid)));
  });

  for (const [script, args, blockers] of POSITIVE) {
    it(`${script} ${args.join(' ')} hangs`.trim(), async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-fixture-'));
      const stamps = path.join(dir, 'formed');
      try {
        const p = startPlain(script, args, { ...process.env, MPSCOPE_DL_FORMED: stamps });
        let exited = false;
        p.on('exit', () => (exited = true));
        const read = () => (fs.existsSync(stamps) ? fs.readFileSync(stamps, 'utf8').trim().split('\n').filter(Boolean) : []);
        const deadline = Date.now() + 40_000;
        while (read().length < blockers && Date.now() < deadline && !exited) await sleep(100);
        assert.ok(read().length >= blockers, `${blockers} processes reached their blocking call (got ${read().length})`);
        await sleep(1500);
        assert.strictEqual(exited, false, 'still blocked 1.5 s after the last process blocked');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  for (const script of NEGATIVE) {
    it(`${script} finishes`, async () => {
      const p = startPlain(script, []);
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => resolve(-1), 30_000);
        p.on('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      assert.strictEqual(code, 0);
    });
  }
});
