// Helpers of the deadlock integration tests: run a fixture of test/fixtures/deadlock under the
// real runner, find the lines its `#@ tag` markers name, and leave no process behind.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { SessionOptions } from '../../../src/runner/session';
import type { RunReport } from '../../../src/runner/report';
import type { Finding } from '../../../src/runner/findings/types';
import { cleanupSessions, runFixture, startFixture, type RunResult } from '../runner/helpers';

export const FIXTURES = path.resolve(__dirname, '../../fixtures/deadlock');
export const REPO = path.resolve(__dirname, '../../..');

export type Run = RunResult;

/** The runner's fixture sessions (one registry, one cleanup), with the deadlock defaults. */
function deadlockOptions(args: string[], options: Partial<SessionOptions>): Partial<SessionOptions> {
  return {
    args,
    cwd: FIXTURES,
    hangTimeoutMs: 1000,
    // A fixture that is not reported would hang forever: bound every run.
    timeoutMs: 30_000,
    ...options,
  };
}

export function start(script: string, args: string[] = [], options: Partial<SessionOptions> = {}) {
  return startFixture(path.join(FIXTURES, script), deadlockOptions(args, options));
}

export async function run(script: string, args: string[] = [], options: Partial<SessionOptions> = {}): Promise<Run> {
  const r = await runFixture(path.join(FIXTURES, script), deadlockOptions(args, options));
  assert.deepStrictEqual(r.session.remainingPids({ zombies: true }), [], 'processes left behind');
  return r;
}

/** Stops every session still running; asserts that no process of any run remains. */
export const cleanup = cleanupSessions;

/** Line numbers of the `#@ tag` markers of a fixture. */
export function marks(script: string): Record<string, number> {
  const out: Record<string, number> = {};
  fs.readFileSync(path.join(FIXTURES, script), 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const m = /#@ ([\w-]+)/.exec(line);
      if (m) out[m[1]] = i + 1;
    });
  return out;
}

export function deadlocks(report: RunReport): Finding[] {
  return report.findings.filter((f) => f.kind === 'deadlock');
}

/** The single deadlock finding of a run, with the checks every one of them must pass. */
export function theDeadlock(r: Run): Finding {
  const ds = deadlocks(r.report);
  assert.strictEqual(ds.length, 1, `one deadlock finding, got: ${JSON.stringify(r.report.findings.map((f) => f.message))}`);
  const f = ds[0];
  assert.strictEqual(f.severity, 'error');
  assert.strictEqual(r.report.stopped?.reason, 'deadlock', 'the run is killed after the report (--on-deadlock kill)');
  assert.deepStrictEqual(r.report.agentErrors, []);
  for (const l of f.locations) assert.ok(path.isAbsolute(l.file), `absolute path: ${l.file}`);
  // Every pid named is a real process of the run.
  const pids = new Set(r.report.processes.map((p) => p.pid));
  for (const pid of f.pids) assert.ok(pids.has(pid), `pid ${pid} is a process of the run`);
  return f;
}

/** pids of the locations with this role at this line of the fixture. */
export function pidsAt(f: Finding, script: string, line: number, role: string): number[] {
  return f.locations
    .filter((l) => l.file === path.join(FIXTURES, script) && l.line === line && l.role === role)
    .map((l) => l.pid ?? -1)
    .sort((a, b) => a - b);
}

export function pidOf(report: RunReport, name: RegExp | string): number[] {
  return report.processes
    .filter((p) => (typeof name === 'string' ? p.name === name : name.test(p.name)))
    .map((p) => p.pid)
    .sort((a, b) => a - b);
}

/**
 * A run that did not hang but inverted the lock order of `script` (marks a-outer/b-inner and
 * b-outer/a-inner): exactly one potential-deadlock, naming both acquisition sites and the
 * children that took them. Returns that finding.
 */
export function assertLockOrderInversion(r: Run, script: string): Finding {
  assert.deepStrictEqual(deadlocks(r.report), []);
  assert.strictEqual(r.report.stopped, null);
  const ps = r.report.findings.filter((f) => f.kind === 'potential-deadlock');
  assert.strictEqual(ps.length, 1, JSON.stringify(r.report.findings.map((x) => x.message)));
  const f = ps[0];
  const mk = marks(script);
  const file = path.join(FIXTURES, script);
  const has = (line: number, role: string) => f.locations.some((l) => l.file === file && l.line === line && l.role === role);
  assert.ok(has(mk['a-outer'], 'holds') && has(mk['b-inner'], 'acquired'), JSON.stringify(f.locations));
  assert.ok(has(mk['b-outer'], 'holds') && has(mk['a-inner'], 'acquired'), JSON.stringify(f.locations));
  const children = r.report.processes.filter((p) => p.role === 'child').map((p) => p.pid);
  assert.deepStrictEqual([...f.pids].sort(), [...children].sort());
  return f;
}
