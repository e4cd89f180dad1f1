// Where Python programs started from the integrated terminal find mpscope, and what is added to
// those terminals' environment. No `vscode` import (unit-tested in plain Node).
//
// The channel is a Unix socket in a directory only this user can enter (0700, checked), and
// every agent must present a token on its first line, as in an mpscope run (runner issue). The
// address and token stay the same for a workspace across window reloads, so that terminals VS
// Code revives after a reload (and the persisted environment collection) still reach mpscope.
import { randomBytes, timingSafeEqual } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The agent's environment variables (src/agent/mpscope_agent/protocol.py). */
export const ENV_SOCKET = 'MPSCOPE_SOCKET';
export const ENV_TOKEN = 'MPSCOPE_TOKEN';
export const ENV_CONFIG = 'MPSCOPE_CONFIG';
/** MPSCOPE_CONFIG entry that tells the agent it was started from a terminal, not by a run. */
export const TERMINAL_CONFIG = 'origin=terminal';

export interface ChannelIdentity {
  /** Short random id naming the socket file. */
  id: string;
  token: string;
}

export function newIdentity(): ChannelIdentity {
  return { id: randomBytes(6).toString('hex'), token: randomBytes(24).toString('hex') };
}

export function isIdentity(v: unknown): v is ChannelIdentity {
  const o = v as ChannelIdentity;
  return !!o && typeof o.id === 'string' && /^[0-9a-f]{12}$/.test(o.id) && typeof o.token === 'string' && /^[0-9a-f]{48}$/.test(o.token);
}

/** Compares tokens in constant time. */
export function tokenMatches(expected: string, got: unknown): boolean {
  if (typeof got !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(got);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The private directory for this user's mpscope sockets: under $XDG_RUNTIME_DIR when it is set
 * (already per user, 0700), else the temp directory. Created 0700; refused when it exists but
 * belongs to someone else or others can enter it (someone could swap the socket).
 */
export function ensurePrivateDir(env: NodeJS.ProcessEnv = process.env): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const runtime = env.XDG_RUNTIME_DIR && path.isAbsolute(env.XDG_RUNTIME_DIR) ? env.XDG_RUNTIME_DIR : undefined;
  const parent = runtime ?? os.tmpdir();
  const dir = path.join(parent, `mpscope-${uid ?? os.userInfo().username}`);
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  if (uid !== undefined && st.uid !== uid) throw new Error(`${dir} belongs to another user`);
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    throw new Error(`${dir} can be entered by other users (mode ${(st.mode & 0o777).toString(8)})`);
  }
  return dir;
}

export function socketPath(dir: string, id: string): string {
  return path.join(dir, `terminal-${id}.sock`);
}

/** One change to a terminal environment variable, as vscode.EnvironmentVariableCollection applies it. */
export interface EnvMutation {
  op: 'replace' | 'prepend';
  name: string;
  value: string;
}

/**
 * What new terminals get. PYTHONPATH gets the agent's bootstrap folder in front. When the base
 * environment has no PYTHONPATH, it is *replaced* instead: prepending "dir:" to nothing would
 * leave an empty entry, which Python reads as "the current directory" and which would change
 * what the user's programs import.
 */
export function terminalEnvironment(opts: {
  bootstrapDir: string;
  socket: string;
  token: string;
  basePythonPath: string | undefined;
  delimiter?: string;
}): EnvMutation[] {
  const delimiter = opts.delimiter ?? path.delimiter;
  const pythonPath: EnvMutation = opts.basePythonPath
    ? { op: 'prepend', name: 'PYTHONPATH', value: opts.bootstrapDir + delimiter }
    : { op: 'replace', name: 'PYTHONPATH', value: opts.bootstrapDir };
  return [
    pythonPath,
    { op: 'replace', name: ENV_SOCKET, value: opts.socket },
    { op: 'replace', name: ENV_TOKEN, value: opts.token },
    { op: 'replace', name: ENV_CONFIG, value: TERMINAL_CONFIG },
  ];
}
