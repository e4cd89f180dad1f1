// Real processes for the process-engine tests, and their certain cleanup.
//
// Every fixture runs below test/fixtures/procs/subreaper.py, started in its own session and
// process group. The subreaper adopts whatever its program orphans, and kills all of its
// descendants when its stdin closes, which happens when the test stops it and also when the
// test runner dies. stop() closes stdin, then kills the process group and every pid the test
// recorded (checking each one's start time first, so a reused pid is never hit).
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';

export const FIXTURES = path.resolve(__dirname, '../../fixtures/procs');
export const PYTHON = process.env.MPSCOPE_TEST_PYTHON || 'python3';

/** Start time (clock ticks) of a live pid, read from /proc; undefined when it is gone. */
export function startTicks(pid: number): string | undefined {
  try {
    const line = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return line.slice(line.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** State letter of a pid from /proc, undefined when it is gone. */
export function stateOf(pid: number): string | undefined {
  try {
    const line = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return line[line.lastIndexOf(')') + 2];
  } catch {
    return undefined;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Every process started through this module, so an `after` hook can end them all. */
const live = new Set<Fixture>();

export class Fixture {
  readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private readonly waiters: ((line: string | undefined) => void)[] = [];
  private closed = false;
  private readonly tracked = new Map<number, string | undefined>();
  stderr = '';

  private constructor(args: string[]) {
    this.child = spawn(PYTHON, [path.join(FIXTURES, 'subreaper.py'), ...args], {
      cwd: FIXTURES,
      detached: true, // own session and process group: killable as a group, apart from mocha
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    live.add(this);
    this.child.stderr!.on('data', (d) => (this.stderr += d));
    const rl = readline.createInterface({ input: this.child.stdout! });
    rl.on('line', (line) => {
      const w = this.waiters.shift();
      if (w) w(line);
      else this.lines.push(line);
    });
    rl.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(undefined);
    });
    this.child.on('error', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(undefined);
    });
  }

  /** Runs `python3 <fixture> args...` below a fresh subreaper. */
  static async start(fixture: string, args: string[] = []): Promise<{ fx: Fixture; subreaper: number; child: number }> {
    const fx = new Fixture([PYTHON, path.join(FIXTURES, fixture), ...args]);
    const first = await fx.nextJson<{ subreaper: number; child: number; error?: string }>();
    if (first.error) throw new Error(first.error);
    fx.track(first.subreaper, first.child);
    return { fx, subreaper: first.subreaper, child: first.child };
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The next line the program prints, parsed as JSON. */
  nextJson<T = any>(timeoutMs = 30000): Promise<T> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(JSON.parse(line) as T);
    if (this.closed) return Promise.reject(new Error(`fixture exited; stderr: ${this.stderr}`));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no output within ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      this.waiters.push((l) => {
        clearTimeout(timer);
        if (l === undefined) reject(new Error(`fixture exited; stderr: ${this.stderr}`));
        else resolve(JSON.parse(l) as T);
      });
    });
  }

  /** Sends one line to the program's stdin (through the subreaper). */
  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** Remembers pids to kill at stop(), with their start times. */
  track(...pids: number[]): void {
    for (const pid of pids) if (!this.tracked.has(pid)) this.tracked.set(pid, startTicks(pid));
  }

  async stop(): Promise<void> {
    if (!live.delete(this)) return;
    try {
      this.child.stdin!.end();
    } catch {
      // already closed
    }
    // Give the subreaper a moment to kill its descendants itself, then make sure.
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    await Promise.race([exited, sleep(2000)]);
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // group already empty
    }
    for (const [pid, ticks] of this.tracked) {
      if (ticks !== undefined && startTicks(pid) === ticks) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    await Promise.race([exited, sleep(2000)]);
  }
}

/** Stops every fixture still running (for `after` hooks). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((f) => f.stop()));
}

/** A plain child process of this test (not below a subreaper), killed by stopAll too. */
export function spawnTracked(command: string, args: string[], options: { uid?: number; gid?: number } = {}): ChildProcess {
  const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'ignore'], ...options });
  const entry = {
    stop: async () => {
      try {
        child.kill('SIGKILL');
      } catch {
        // gone
      }
    },
  };
  plain.add(entry);
  child.on('exit', () => plain.delete(entry));
  return child;
}

const plain = new Set<{ stop(): Promise<void> }>();

export async function stopPlain(): Promise<void> {
  await Promise.all([...plain].map((p) => p.stop()));
  plain.clear();
}
