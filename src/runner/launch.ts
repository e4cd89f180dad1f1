// Checks before launching, and the launch command: which interpreter, which script, which
// environment. Everything that can be wrong with the input is reported here as a LaunchError
// (one clear line; the CLI exits 2), before any process starts.
import * as fs from 'fs';
import * as path from 'path';
import { ENV } from './protocol';

export class LaunchError extends Error {}

export type StartMethod = 'fork' | 'spawn' | 'forkserver';
export const START_METHODS: readonly StartMethod[] = ['fork', 'spawn', 'forkserver'];

function isExecutableFile(p: string): boolean {
  try {
    const st = fs.statSync(p);
    if (!st.isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The interpreter to use: the given one (a path or a name on PATH), else python3, else python. */
export function resolvePython(requested: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string {
  const names = requested ? [requested] : ['python3', 'python'];
  for (const name of names) {
    if (name.includes('/') || name.includes(path.sep)) {
      const p = path.resolve(cwd, name);
      if (isExecutableFile(p)) return p;
      continue;
    }
    for (const dir of (env.PATH ?? '').split(path.delimiter)) {
      if (!dir) continue;
      const p = path.join(dir, name);
      if (isExecutableFile(p)) return p;
    }
  }
  if (requested) throw new LaunchError(`Python interpreter not found: ${requested}`);
  throw new LaunchError('no Python interpreter found (python3 or python on PATH); use --python');
}

/** The script's absolute path, after checking it is a readable text file. */
export function checkScript(script: string, cwd: string): string {
  const p = path.resolve(cwd, script);
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    throw new LaunchError(`script not found: ${script}`);
  }
  if (st.isDirectory()) throw new LaunchError(`${script} is a directory, not a Python script`);
  if (!st.isFile()) throw new LaunchError(`${script} is not a regular file`);
  let head: Buffer;
  try {
    const fd = fs.openSync(p, 'r');
    try {
      head = Buffer.alloc(Math.min(8192, st.size));
      fs.readSync(fd, head, 0, head.length, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    throw new LaunchError(`cannot read ${script}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (head.includes(0)) throw new LaunchError(`${script} is a binary file, not a Python script`);
  return p;
}

export interface LaunchPlan {
  python: string;
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Separate mode: the command the supervisor starts (what a warm supervisor is given). */
  scriptCommand: string[];
}

/**
 * How the supervisor comes about.
 * fork      the runner starts `python [args] script.py args` itself, exactly as the user would;
 *           the agent's sitecustomize forks at start-up and the original process becomes the
 *           supervisor (one interpreter start-up, an untouched command line).
 * separate  the runner starts the supervisor script, which starts the script. Needed when the
 *           interpreter options disable site or PYTHONPATH (-S, -I, -E).
 */
export type SupervisorMode = 'fork' | 'separate';

/** Interpreter options that keep sitecustomize from running (so fork mode cannot work). */
export function supervisorMode(pythonArgs: readonly string[]): SupervisorMode {
  for (const arg of pythonArgs) {
    if (!arg.startsWith('-') || arg.startsWith('--')) continue;
    for (const ch of arg.slice(1)) {
      if (ch === 'W' || ch === 'X') break; // the rest is the option's value
      if (ch === 'I' || ch === 'E' || ch === 'S') return 'separate';
    }
  }
  return 'fork';
}

export interface PlanInput {
  python: string;
  pythonArgs: string[];
  script: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  bootstrapDir: string;
  supervisor: string;
  socketPath: string;
  token: string;
  config: Record<string, string | number | boolean | undefined>;
  mode: SupervisorMode;
}

/** MPSCOPE_CONFIG: a flat key=value;... map (the agent parses it without importing json). */
export function encodeConfig(config: PlanInput['config']): string {
  return Object.entries(config)
    .filter(([, v]) => v !== undefined && v !== false)
    .map(([k, v]) => `${k}=${v === true ? '1' : String(v).replace(/[;=]/g, '_')}`)
    .join(';');
}

export function planLaunch(input: PlanInput): LaunchPlan {
  const env: NodeJS.ProcessEnv = { ...input.env };
  env.PYTHONPATH = env.PYTHONPATH ? `${input.bootstrapDir}${path.delimiter}${env.PYTHONPATH}` : input.bootstrapDir;
  env.PYTHONUNBUFFERED = '1';
  env[ENV.socket] = input.socketPath;
  env[ENV.token] = input.token;
  env[ENV.config] = encodeConfig(input.config);
  delete env[ENV.main];
  delete env[ENV.supervise];
  const script = [...input.pythonArgs, input.script, ...input.args];
  if (input.mode === 'fork') {
    env[ENV.supervise] = '1';
    return { python: input.python, argv: script, env, cwd: input.cwd, scriptCommand: [] };
  }
  // The supervisor itself never loads the agent (-S) nor the user's environment settings (-E).
  const scriptCommand = [input.python, ...script];
  const argv = ['-S', '-E', '-s', input.supervisor, '--', ...scriptCommand];
  return { python: input.python, argv, env, cwd: input.cwd, scriptCommand };
}
