// "Dump Stacks of Process" as text: every thread, outermost call first (as Python prints a
// traceback), the innermost frame in the user's code marked, and what the process waits on and
// holds when the run knows it.
import { normalizeLocation, type ReportModel, type SourceLocation, processLabel } from './model';

export interface StacksText {
  text: string;
  /** The innermost user frame of the main thread (else of any thread), to reveal. */
  userFrame?: SourceLocation;
}

/** `threads` is the agent's dump_stacks reply: [{thread, frames: [{file,line,function,user}]}], innermost first. */
export function formatStacks(model: ReportModel | undefined, pid: number, threads: unknown): StacksText {
  const who = model ? processLabel(model, pid) : `pid ${pid}`;
  const lines: string[] = [`Stacks of ${who}, most recent call last (→ marks the innermost line of your code)`, ''];
  let userFrame: SourceLocation | undefined;
  const list = Array.isArray(threads) ? threads : [];
  if (list.length === 0) lines.push('(the process reported no threads)');
  for (const t of list) {
    const o = (typeof t === 'object' && t !== null ? t : {}) as Record<string, unknown>;
    const name = typeof o.thread === 'string' ? o.thread : 'thread';
    const raw = Array.isArray(o.frames) ? o.frames : [];
    const frames = raw
      .map((f) => ({ loc: normalizeLocation(f), user: typeof f === 'object' && f !== null && (f as { user?: unknown }).user === true }))
      .filter((f): f is { loc: SourceLocation; user: boolean } => f.loc !== undefined);
    const innermostUser = frames.find((f) => f.user);
    if (innermostUser && (!userFrame || name === 'MainThread')) userFrame = innermostUser.loc;
    lines.push(`Thread ${name}:`);
    for (const f of [...frames].reverse()) {
      const mark = f === innermostUser ? '→' : ' ';
      lines.push(`${mark} File "${f.loc.file}", line ${f.loc.line}${f.loc.func ? `, in ${f.loc.func}` : ''}`);
    }
    lines.push('');
  }
  // What the run knows about its waits: the deadlock findings' waits and holders.
  for (const f of model?.findings ?? []) {
    for (const w of f.waits) {
      if (w.pid === pid) {
        lines.push(
          `Waits for ${w.primitive.label}` +
            (w.site ? ` at ${w.site.file}:${w.site.line}` : '') +
            (w.holders.length ? `, held by ${w.holders.map((h) => processLabel(model!, h.pid)).join(', ')}` : ''),
        );
      }
      for (const h of w.holders) {
        if (h.pid === pid) {
          lines.push(`Holds ${w.primitive.label}${h.site ? `, acquired at ${h.site.file}:${h.site.line}` : ''}, wanted by ${processLabel(model!, w.pid)}`);
        }
      }
    }
  }
  return { text: lines.join('\n').trimEnd() + '\n', userFrame };
}
