// `child-exception`: an uncaught exception in a child process, with the child's traceback
// location and the parent's line that started it. Includes errors while a child bootstraps
// (the spawn RuntimeError of a script without a main guard) and "daemonic processes are not
// allowed to have children".
import * as path from 'path';
import type { ExceptionRecord, ProcessRecord } from '../model';
import type { Finding } from './types';
import { type FindingContext, howEnded, label, loc, where } from './context';

const BOOTSTRAP_HINT =
  ' The script starts processes when it is imported: it has no `if __name__ == "__main__":` guard. ' +
  'Under the spawn and forkserver start methods (the default on Windows and macOS, and on Linux from ' +
  'Python 3.14) every child imports the main module again, so multiprocessing refuses to start more processes there.';
const DAEMON_HINT =
  ' A daemon process (daemon=True, which includes every Pool worker) may not start processes of its own.';

/** The message on one line, up to its first full stop (long multi-line messages are common). */
export function firstSentence(message: string): string {
  const flat = message.replace(/\s+/g, ' ').trim();
  const stop = flat.search(/\.(\s|$)/);
  const s = stop >= 0 ? flat.slice(0, stop + 1) : flat;
  return s.length > 200 ? s.slice(0, 197) + '...' : s;
}

/** Exceptions that a Pool worker's task loop does not catch (it catches Exception). */
const NOT_FROM_TASKS = new Set(['SystemExit', 'KeyboardInterrupt', 'GeneratorExit', 'BaseException', 'BaseExceptionGroup']);

/**
 * The exception came out of a Pool's initializer: the user's code right below the stdlib's
 * pool worker loop, which catches every Exception a task raises (and sends it to the caller).
 */
export function failedInPoolInitializer(e: ExceptionRecord): boolean {
  if (NOT_FROM_TASKS.has(e.type)) return false;
  const i = e.frames.findIndex((f) => !f.user);
  return i > 0 && e.frames[i].function === 'worker' && /multiprocessing[\\/]pool\.py$/.test(e.frames[i].file);
}

const POOL_INITIALIZER_HINT =
  ' A Pool replaces a worker that dies, so one whose initializer raises starts workers forever and never runs a task: ' +
  'map() and get() without a timeout wait forever. Fix the initializer; concurrent.futures.ProcessPoolExecutor raises BrokenProcessPool instead.';

interface Raised {
  p: ProcessRecord;
  e: ExceptionRecord;
}

export function childExceptionFindings(ctx: FindingContext): Finding[] {
  const { model } = ctx;
  // Workers of one Pool or executor that fail alike are one finding (a Pool whose initializer
  // raises replaces its workers forever: hundreds of them in a few seconds).
  const groups = new Map<string, Raised[]>();
  for (const p of model.all()) {
    if (p.pid === model.mainPid) continue;
    for (const e of p.exceptions) {
      const key = p.owner ? JSON.stringify([p.owner, e.type, e.site?.file, e.site?.line, firstSentence(e.message)]) : `${p.pid}:${groups.size}`;
      const group = groups.get(key);
      if (group) group.push({ p, e });
      else groups.set(key, [{ p, e }]);
    }
  }
  return [...groups.values()].map((g) => (g.length === 1 ? oneFinding(ctx, g[0]) : groupFinding(ctx, g)));
}

function oneFinding(ctx: FindingContext, { p, e }: Raised): Finding {
  const parent = ctx.model.parentOf(p);
  const ended = p.exitCode !== null || p.signal !== null ? `; it ${howEnded(p)}` : '';
  const parentNote = parent ? ` and its parent ${label(parent)} carried on` : '';
  return {
    kind: 'child-exception',
    severity: e.type === 'KeyboardInterrupt' ? 'info' : 'error',
    message: `${label(p)}, started at ${where(p.startSite)}, raised an uncaught ${raised(e)}${ended}${parentNote}.${hint(e)}`,
    pids: parent ? [p.pid, parent.pid] : [p.pid],
    locations: [...loc(e.site, p.pid, 'exception'), ...loc(p.startSite, parent?.pid ?? null, 'start')],
    details: { type: e.type, exceptionMessage: e.message, where: e.where, traceback: e.frames },
  };
}

function groupFinding(ctx: FindingContext, g: Raised[]): Finding {
  const { p, e } = g[0];
  const parent = ctx.model.parentOf(p);
  const owner = p.owner ? ctx.model.owners.get(p.owner) : undefined;
  const ownerText = owner ? `the ${owner.type} created at ${where(owner.site)}` : `one pool`;
  const named = g.slice(0, 2).map((r) => label(r.p));
  const names = g.length > 2 ? `${named.join(', ')} and ${g.length - 2} more` : named.join(' and ');
  const ends = new Set(g.map((r) => (r.p.exitCode !== null || r.p.signal !== null ? howEnded(r.p) : '')));
  const ended = ends.size === 1 && !ends.has('') ? `; each ${[...ends][0]}` : '';
  const parentNote = parent ? ` and their parent ${label(parent)} carried on` : '';
  const startSite = owner?.site ?? p.startSite;
  return {
    kind: 'child-exception',
    severity: e.type === 'KeyboardInterrupt' ? 'info' : 'error',
    message: `${g.length} workers of ${ownerText} (${names}) raised the same uncaught ${raised(e)}${ended}${parentNote}.${hint(e)}`,
    pids: [...g.map((r) => r.p.pid), ...(parent ? [parent.pid] : [])],
    locations: [...loc(e.site, p.pid, 'exception'), ...loc(startSite, parent?.pid ?? null, 'start')],
    details: { type: e.type, exceptionMessage: e.message, where: e.where, traceback: e.frames, count: g.length },
  };
}

/** "ValueError while starting up at app.py:4 (the message)" */
function raised(e: ExceptionRecord): string {
  const at = e.site ? ` at ${path.basename(e.site.file)}:${e.site.line}` : '';
  const phase = e.where === 'bootstrap' ? ' while starting up' : failedInPoolInitializer(e) ? " in the Pool's initializer" : '';
  const text = firstSentence(e.message).replace(/\.$/, '');
  return `${e.type}${phase}${at}${text ? ` (${text})` : ''}`;
}

function hint(e: ExceptionRecord): string {
  if (e.message.includes('bootstrapping phase')) return BOOTSTRAP_HINT;
  if (e.message.includes('daemonic processes are not allowed to have children')) return DAEMON_HINT;
  if (failedInPoolInitializer(e)) return POOL_INITIALIZER_HINT;
  return '';
}
