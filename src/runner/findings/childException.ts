// `child-exception`: an uncaught exception in a child process, with the child's traceback
// location and the parent's line that started it. Includes errors while a child bootstraps
// (the spawn RuntimeError of a script without a main guard) and "daemonic processes are not
// allowed to have children".
import * as path from 'path';
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

export function childExceptionFindings(ctx: FindingContext): Finding[] {
  const { model } = ctx;
  const out: Finding[] = [];
  for (const p of model.all()) {
    if (p.pid === model.mainPid || p.exceptions.length === 0) continue;
    const parent = model.parentOf(p);
    for (const e of p.exceptions) {
      const first = firstSentence(e.message);
      let hint = '';
      if (e.message.includes('bootstrapping phase')) hint = BOOTSTRAP_HINT;
      else if (e.message.includes('daemonic processes are not allowed to have children')) hint = DAEMON_HINT;
      const at = e.site ? ` at ${path.basename(e.site.file)}:${e.site.line}` : '';
      const phase = e.where === 'bootstrap' ? ' while starting up' : '';
      const ended = p.exitCode !== null || p.signal !== null ? `; it ${howEnded(p)}` : '';
      const parentNote = parent ? ` and its parent ${label(parent)} carried on` : '';
      const text = first.replace(/\.$/, '');
      out.push({
        kind: 'child-exception',
        severity: e.type === 'KeyboardInterrupt' ? 'info' : 'error',
        message: `${label(p)}, started at ${where(p.startSite)}, raised an uncaught ${e.type}${phase}${at}${text ? ` (${text})` : ''}${ended}${parentNote}.${hint}`,
        pids: parent ? [p.pid, parent.pid] : [p.pid],
        locations: [...loc(e.site, p.pid, 'exception'), ...loc(p.startSite, parent?.pid ?? null, 'start')],
        details: { type: e.type, exceptionMessage: e.message, where: e.where, traceback: e.frames },
      });
    }
  }
  return out;
}
