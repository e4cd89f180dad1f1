// Lock and RLock records that may be stale. For speed (issue 4: an uncontended acquire/release
// pair at most 1.5x plain Python), the agent keeps a Lock's and an RLock's release as the plain C
// method, so a process's state file may still say "acquired here" after it released the lock
// (src/agent/mpscope_agent/sync.py). These programs would fool a detector that took those records
// for the truth: a bystander that used the locks must neither hide a cycle nor be named in it;
// killed workers that used a lock are named as the holder only when that is certain; a lock used
// as a signal is no self-deadlock; lock-order pairs from explicit acquire()/release() loops are
// still found, and released locks are not taken for held ones.
import * as assert from 'assert';
import type { Finding } from '../../../src/runner/findings/types';
import { pythonVersion } from '../runner/helpers';
import { assertLockOrderInversion, cleanup, deadlocks, marks, pidOf, pidsAt, run, theDeadlock } from './helpers';

type Wait = { pid: number; holders: Array<{ pid: number; dead: boolean; maybe?: boolean }> };
const waitsOf = (f: Finding) => (f.details as { waits: Wait[] }).waits;
const holderPids = (f: Finding) => [...new Set(waitsOf(f).flatMap((w) => w.holders.map((h) => h.pid)))].sort((a, b) => a - b);
const prefix = (m: string) => (m === 'spawn' ? 'Spawn' : m === 'forkserver' ? 'ForkServer' : 'Fork');

describe('deadlock: Lock/RLock records that may be stale (release in C)', function () {
  this.timeout(60_000);
  afterEach(cleanup);

  for (const [bystander, kind, m] of [
    ['run', 'Lock', 'fork'],
    ['wait', 'Lock', 'spawn'],
    ['run', 'RLock', 'spawn'],
  ]) {
    it(`a bystander that used the locks (${bystander}s on, ${kind}, ${m}) neither hides the cycle nor is named in it`, () =>
      bystanderCase(bystander, kind, m));
  }

  for (const [others, how, m] of [
    ['wait', 'terminate', 'fork'],
    ['wait', 'kill', 'spawn'],
  ]) {
    it(`killed workers that used the lock: the one inside its critical section is named (others ${others}, ${how}, ${m})`, () =>
      holderNamedCase(others, how, m));
  }

  for (const [how, m] of [
    ['terminate', 'fork'],
    ['kill', 'spawn'],
  ]) {
    it(`killed workers that used the lock while running: all are listed as candidates, none named as the holder (${how}, ${m})`, () =>
      candidatesCase(how, m));
  }

  for (const m of ['fork', 'spawn']) {
    it(`a Lock used as a signal (released by another process) is no self-deadlock (${m})`, () => signalCase(m));
  }

  for (const where of ['main', 'child']) {
    it(`a self-deadlock after explicit acquire()/release() in a loop (${where})`, () => selfDeadlockCase(where));
  }

  for (const m of ['fork', 'spawn']) {
    it(`a lock-order inversion with explicit acquire()/release() in a loop is a potential deadlock (${m})`, () => inversionCase(m));
    it(`locks taken one after the other with explicit release() are not nested: nothing to report (${m})`, () => sequentialCase(m));
  }

  for (const version of ['3.8', '3.12']) {
    it(`Python ${version}: a bystander, killed candidates, a signal, an explicit inversion`, async function () {
      const python = pythonVersion(version);
      if (!python) this.skip();
      await bystanderCase('run', 'Lock', 'fork', python);
      await candidatesCase('kill', 'spawn', python);
      await signalCase('fork', python);
      await inversionCase('spawn', python);
    });
  }
});

async function bystanderCase(bystander: string, kind: string, m: string, python?: string): Promise<void> {
  const script = 'stale_bystander.py';
  const r = await run(script, [`--bystander=${bystander}`, `--kind=${kind}`, `--start=${m}`], python ? { python } : {});
  const [by] = pidOf(r.report, `${prefix(m)}Process-1`);
  const all = deadlocks(r.report);
  const f = all.find((d) => /cycle of 2 processes/.test(d.message));
  assert.ok(f, JSON.stringify(all.map((d) => d.message)));
  assert.strictEqual(r.report.stopped?.reason, 'deadlock');
  assert.deepStrictEqual(r.report.agentErrors, []);
  if (bystander === 'wait') {
    // Waiting forever on an Event nobody sets is a hang of its own, reported apart.
    assert.strictEqual(all.length, 2, JSON.stringify(all.map((d) => d.message)));
    const other = all.find((d) => d !== f)!;
    assert.match(other.message, new RegExp(`every process of the run is blocked.*\\(pid ${by}\\) waits for Event#\\d to be set`));
    assert.deepStrictEqual(other.pids, [by]);
  } else {
    assert.strictEqual(all.length, 1, JSON.stringify(all.map((d) => d.message)));
  }
  const mk = marks(script);
  const [p1] = pidOf(r.report, `${prefix(m)}Process-2`);
  const [p2] = pidOf(r.report, `${prefix(m)}Process-3`);
  assert.ok(by && p1 && p2, JSON.stringify(r.report.processes.map((p) => p.name)));
  assert.match(f.message, /cycle of 2 processes/);
  assert.match(f.message, new RegExp(`waits to lock ${kind}#\\d at stale_bystander\\.py:${mk['wait-a']}, which is held by`));
  assert.deepStrictEqual(new Set((f.details as { cycle: number[] }).cycle), new Set([p1, p2]));
  assert.deepStrictEqual(pidsAt(f, script, mk['acquire-a'], 'acquired'), [p1]);
  assert.deepStrictEqual(pidsAt(f, script, mk['acquire-b'], 'acquired'), [p2]);
  assert.deepStrictEqual(pidsAt(f, script, mk['wait-b'], 'waits'), [p1]);
  assert.deepStrictEqual(pidsAt(f, script, mk['wait-a'], 'waits'), [p2]);
  assert.ok(!f.pids.includes(by), `the bystander (pid ${by}) is not in the finding: ${f.message}`);
  assert.ok(!holderPids(f).includes(by), 'the bystander holds nothing');
  assert.ok(!f.locations.some((l) => l.pid === by), JSON.stringify(f.locations));
}

async function holderNamedCase(others: string, how: string, m: string): Promise<void> {
  const script = 'dead_candidates.py';
  const r = await run(script, [`--others=${others}`, `--how=${how}`, `--start=${m}`]);
  const f = theDeadlock(r);
  const mk = marks(script);
  const workers = pidOf(r.report, new RegExp(`^${prefix(m)}Process-\\d+$`));
  assert.strictEqual(workers.length, 3);
  const [holder] = pidOf(r.report, `${prefix(m)}Process-2`);
  assert.match(f.message, /a process which has exited still holds/);
  const signal = how === 'kill' ? 'SIGKILL' : 'SIGTERM';
  assert.match(
    f.message,
    new RegExp(`which is held by ${prefix(m)}Process-2 \\(pid ${holder}\\), which exited \\(killed by ${signal}, ${how}\\(\\) at dead_candidates\\.py:${mk[how]}\\) while holding it; it acquired it at dead_candidates\\.py:${mk['acquire-holder']}`),
  );
  assert.doesNotMatch(f.message, /one of/);
  assert.deepStrictEqual(holderPids(f), [holder]);
  assert.deepStrictEqual(pidsAt(f, script, mk['acquire-holder'], 'acquired'), [holder]);
  for (const w of workers) if (w !== holder) assert.ok(!f.pids.includes(w), `worker ${w} is not named`);
  assert.deepStrictEqual(pidsAt(f, script, mk.wait, 'waits'), pidOf(r.report, 'MainProcess'));
}

async function candidatesCase(how: string, m: string, python?: string): Promise<void> {
  const script = 'dead_candidates.py';
  const r = await run(script, ['--others=run', `--how=${how}`, `--start=${m}`], python ? { python } : {});
  const f = theDeadlock(r);
  const mk = marks(script);
  const workers = pidOf(r.report, new RegExp(`^${prefix(m)}Process-\\d+$`));
  const [holder] = pidOf(r.report, `${prefix(m)}Process-2`);
  assert.strictEqual(workers.length, 3);
  assert.match(f.message, /a process which has exited still holds/);
  assert.match(f.message, /which is held by one of 3 exited processes \(each had acquired it and was killed before it could tell whether it had released it\)/);
  for (const w of workers) assert.match(f.message, new RegExp(`Process-\\d \\(pid ${w}\\), which exited \\(killed by ${how === 'kill' ? 'SIGKILL' : 'SIGTERM'}`));
  assert.doesNotMatch(f.message, /while holding it/, 'no false certainty');
  assert.deepStrictEqual(holderPids(f), workers);
  for (const w of waitsOf(f)) for (const h of w.holders) assert.ok(h.dead && h.maybe, JSON.stringify(h));
  assert.deepStrictEqual(pidsAt(f, script, mk['acquire-holder'], 'acquired'), [holder]);
  assert.deepStrictEqual(pidsAt(f, script, mk['acquire-other'], 'acquired'), workers.filter((w) => w !== holder));
}

async function signalCase(m: string, python?: string): Promise<void> {
  const script = 'lock_as_signal.py';
  const r = await run(script, [`--start=${m}`], python ? { python } : {});
  assert.deepStrictEqual(deadlocks(r.report), [], JSON.stringify(r.report.findings.map((x) => x.message)));
  assert.strictEqual(r.report.stopped, null, 'not stopped by mpscope');
  assert.strictEqual(r.report.exitCode, 0);
  assert.deepStrictEqual(r.report.agentErrors, []);
  assert.strictEqual(r.stdout, 'received 5 signals\n');
}

async function selfDeadlockCase(where: string): Promise<void> {
  const script = 'self_deadlock_explicit.py';
  const r = await run(script, [`--where=${where}`, '--start=spawn']);
  const f = theDeadlock(r);
  const mk = marks(script);
  assert.match(f.message, /a thread waits for a lock it holds itself/);
  assert.match(
    f.message,
    new RegExp(`waits to lock Lock#1 at self_deadlock_explicit\\.py:${mk.wait}, which is held by itself, acquired at self_deadlock_explicit\\.py:(${mk.acquire}|${mk['acquire-again']})`),
  );
  const who = where === 'main' ? pidOf(r.report, 'MainProcess') : pidOf(r.report, 'SpawnProcess-1');
  assert.deepStrictEqual(pidsAt(f, script, mk.wait, 'waits'), who);
}

async function inversionCase(m: string, python?: string): Promise<void> {
  const script = 'explicit_lock_order.py';
  const r = await run(script, ['--mode=inverted', `--start=${m}`], python ? { python } : {});
  assertLockOrderInversion(r, script);
}

async function sequentialCase(m: string): Promise<void> {
  const r = await run('explicit_lock_order.py', ['--mode=sequential', `--start=${m}`]);
  assert.deepStrictEqual(r.report.findings.filter((f) => f.kind === 'potential-deadlock' || f.kind === 'deadlock'), []);
  assert.strictEqual(r.report.exitCode, 0);
  assert.strictEqual(r.stdout, 'finished\n');
}
