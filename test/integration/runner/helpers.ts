// Shared helpers of the runner's integration tests: real Python processes, no mocks.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Session, type SessionOptions } from '../../../src/runner/session';
import type { RunReport } from '../../../src/runner/report';
import type { Finding } from '../../../src/runner/findings/types';

export const FIXTURES = path.resolve(__dirname, '../../fixtures/runner');
export const REPO = path.resolve(__dirname, '../../..');

/** Every session a test starts, so that afterEach can stop whatever is left. */
const live = new Set<Session>();

export interface RunResult {
  session: Session;
  report: RunReport;
  stdout: string;
  stderr: string;
}

/** Starts a fixture under mpscope with output captured (strict protocol checks on). */
export async function startFixture(
  script: string,
  options: Partial<SessionOptions> = {},
): Promise<{ session: Session; output: () => { stdout: string; stderr: string } }> {
  const session = new Session({
    script: path.isAbsolute(script) ? script : path.join(FIXTURES, script),
    cwd: FIXTURES,
    strict: true,
    stdin: 'ignore',
    ...options,
  });
  live.add(session);
  let stdout = '';
  let stderr = '';
  await session.start();
  session.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  session.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return { session, output: () => ({ stdout, stderr }) };
}

export async function runFixture(script: string, options: Partial<SessionOptions> = {}): Promise<RunResult> {
  const { session, output } = await startFixture(script, options);
  const report = await session.wait();
  live.delete(session);
  return { session, report, ...output() };
}

/** Stops every session still running and checks that no process of any run remains. */
export async function cleanupSessions(): Promise<void> {
  const sessions = [...live];
  live.clear();
  await Promise.all(sessions.map((s) => (s.state === 'ended' ? s.wait() : s.stop('test cleanup', 200))));
  for (const s of sessions) assert.deepStrictEqual(s.remainingPids({ zombies: true }), [], 'processes left behind');
}

/** The same script run plainly, for output comparison. */
export function plainRun(script: string, python = 'python3', args: string[] = [], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(python, [path.join(FIXTURES, script), ...args], {
    cwd: FIXTURES,
    env: { ...env, PYTHONUNBUFFERED: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

export function findings(report: RunReport, kind?: string): Finding[] {
  return report.findings.filter((f) => kind === undefined || f.kind === kind);
}

/** A pyenv interpreter of that version (python3.8, python3.13), or undefined. */
export function pythonVersion(version: string): string | undefined {
  const root = path.join(process.env.PYENV_ROOT ?? path.join(process.env.HOME ?? '/root', '.pyenv'), 'versions');
  try {
    for (const v of fs.readdirSync(root).sort().reverse()) {
      if (v === version || v.startsWith(`${version}.`)) {
        const exe = path.join(root, v, 'bin', `python${version}`);
        if (fs.existsSync(exe)) return exe;
      }
    }
  } catch {
    // no pyenv
  }
  const r = spawnSync(`python${version}`, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** No mpscope problem in the run itself (agent errors, protocol violations). */
export function assertAgentClean(result: RunResult): void {
  assert.deepStrictEqual(result.report.agentErrors, [], 'agent or protocol errors');
  assert.doesNotMatch(result.stderr, /mpscope: agent disabled/);
}

/** A location of a finding at this fixture line. */
export function hasLocation(f: Finding, file: string, line: number, role?: string): boolean {
  return f.locations.some((l) => l.file === path.join(FIXTURES, file) && l.line === line && (!role || l.role === role));
}
