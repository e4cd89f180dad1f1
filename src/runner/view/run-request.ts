// A run as the editor asks for it: from a command (the active file), from a `mpscope` task in
// tasks.json, or from the CodeLens. Field names follow the Python extension's launch
// configurations (program, args, env, cwd, python), plus mpscope's own startMethod and
// hangTimeout. This checks a task definition the user wrote and turns it into a request, with a
// one-line message for each mistake.
import * as path from 'path';

export type StartMethod = 'fork' | 'spawn' | 'forkserver';
export const START_METHODS: readonly StartMethod[] = ['fork', 'spawn', 'forkserver'];

export interface RunRequest {
  /** Absolute path of the script. */
  program: string;
  args: string[];
  /** Absolute working directory. */
  cwd: string;
  /** Added to (and overriding) the extension host's environment; null removes a variable. */
  env: Record<string, string | null>;
  /** Interpreter to use instead of the usual choice (setting, Python extension, PATH). */
  python?: string;
  startMethod?: StartMethod;
  /** Seconds every process must stay blocked before a hang is reported. */
  hangTimeout?: number;
  /** Prefix each output line with the name of the process that wrote it. */
  prefixOutput?: boolean;
}

export class RunRequestError extends Error {}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/**
 * A request from a `mpscope` task definition (variables already substituted by VS Code).
 * `baseDir` resolves relative paths (the workspace folder). Throws RunRequestError.
 */
export function requestFromDefinition(def: Record<string, unknown>, baseDir: string): RunRequest {
  const program = def.program;
  if (typeof program !== 'string' || program.trim() === '') {
    throw new RunRequestError('the mpscope task needs "program": the Python file to run, e.g. "${file}"');
  }
  if (def.args !== undefined && !isStringArray(def.args)) {
    throw new RunRequestError('"args" of the mpscope task must be a list of strings');
  }
  const env: Record<string, string | null> = {};
  if (def.env !== undefined) {
    if (typeof def.env !== 'object' || def.env === null || Array.isArray(def.env)) {
      throw new RunRequestError('"env" of the mpscope task must be an object of strings');
    }
    for (const [k, v] of Object.entries(def.env as Record<string, unknown>)) {
      if (typeof v !== 'string' && v !== null) {
        throw new RunRequestError(`"env.${k}" of the mpscope task must be a string (or null to unset it)`);
      }
      env[k] = v as string | null;
    }
  }
  if (def.cwd !== undefined && typeof def.cwd !== 'string') {
    throw new RunRequestError('"cwd" of the mpscope task must be a path');
  }
  if (def.python !== undefined && typeof def.python !== 'string') {
    throw new RunRequestError('"python" of the mpscope task must be the path of an interpreter');
  }
  const startMethod = def.startMethod;
  if (startMethod !== undefined && startMethod !== 'default' && !START_METHODS.includes(startMethod as StartMethod)) {
    throw new RunRequestError(
      `"startMethod" of the mpscope task must be one of ${START_METHODS.join(', ')} (or "default"), not ${JSON.stringify(startMethod)}`,
    );
  }
  const hang = def.hangTimeout;
  if (hang !== undefined && (typeof hang !== 'number' || !(hang > 0))) {
    throw new RunRequestError('"hangTimeout" of the mpscope task must be a number of seconds above 0');
  }
  if (def.prefixOutput !== undefined && typeof def.prefixOutput !== 'boolean') {
    throw new RunRequestError('"prefixOutput" of the mpscope task must be true or false');
  }
  const resolve = (p: string) => path.resolve(baseDir, p);
  const req: RunRequest = {
    program: resolve(program),
    args: (def.args as string[] | undefined) ?? [],
    cwd: typeof def.cwd === 'string' && def.cwd.trim() ? resolve(def.cwd) : baseDir,
    env,
  };
  if (typeof def.python === 'string' && def.python.trim()) req.python = def.python;
  if (startMethod && startMethod !== 'default') req.startMethod = startMethod as StartMethod;
  if (typeof hang === 'number') req.hangTimeout = hang;
  if (typeof def.prefixOutput === 'boolean') req.prefixOutput = def.prefixOutput;
  return req;
}

/** The process environment of a run: the base with the request's additions and removals. */
export function mergeEnv(base: NodeJS.ProcessEnv, extra: Record<string, string | null>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}
