// Quick fix for MP003: move the join() (or the loop of joins) below the statements that drain the
// queue, so results are read before waiting for the children that produce them. Offered only when
// the statements it moves past neither use the process nor can leave the block early.
import type { Model } from '../model';
import type { Fix } from '../rule';
import { walk, type SyntaxNode } from '../syntax';
import { following, mayJump, startsLine } from '../rules/util';
import { endOfLine } from './indent';

export function moveJoinFix(m: Model, unit: SyntaxNode, lastGet: SyntaxNode, processNames: string[]): Fix | undefined {
  const after = following(unit);
  const idx = after.indexOf(lastGet);
  if (idx < 0 || !startsLine(m, unit) || !startsLine(m, lastGet)) return undefined;
  const between = after.slice(0, idx + 1);
  if (mayJump(between)) return undefined;
  for (const s of between) {
    let uses = false;
    walk(s, (n) => {
      if (uses) return false;
      if (n.type === 'identifier' && processNames.includes(m.textOf(n))) uses = true;
      return true;
    });
    if (uses) return undefined;
  }
  const from = m.lines.lineStartOf(unit.start);
  const to = endOfLine(m, unit.end);
  let moved = m.text.slice(from, to);
  if (!moved.endsWith('\n')) moved += '\n';
  const at = endOfLine(m, lastGet.end);
  const tailNl = m.text.slice(0, at).endsWith('\n') ? '' : '\n';
  return {
    title: 'Move join() after the queue is drained',
    edits: [
      { start: from, end: to, text: '' },
      { start: at, end: at, text: tailNl + moved },
    ],
  };
}
