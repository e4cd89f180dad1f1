// Quick fix for MP006: turn `lock.acquire()` ... `lock.release()` (same block) into `with lock:`.
// Offered only for a plain acquire() (no blocking/timeout arguments, which `with` cannot express)
// when nothing in between touches the lock again.
import type { Model } from '../model';
import type { Fix } from '../rule';
import { walk, type SyntaxNode } from '../syntax';
import { following, indentOf, startsLine } from '../rules/util';
import { endOfLine, indentUnit, reindentLines, stringContinuationLines } from './indent';

export function withLockFix(m: Model, acquireStmt: SyntaxNode, releaseStmt: SyntaxNode, lockText: string): Fix | undefined {
  if (!startsLine(m, acquireStmt) || !startsLine(m, releaseStmt)) return undefined;
  const after = following(acquireStmt);
  const idx = after.indexOf(releaseStmt);
  if (idx < 0) return undefined;
  const body = after.slice(0, idx);
  for (const s of body) {
    let touches = false;
    walk(s, (n) => {
      if (touches) return false;
      if (n.type === 'call') {
        const mc = m.methodCall(n);
        if (mc && (mc.name === 'acquire' || mc.name === 'release') && m.textOf(mc.receiver) === lockText) touches = true;
      }
      return true;
    });
    if (touches) return undefined;
  }
  // The acquire and release must each be alone on their lines.
  const acqLine = m.lines.position(acquireStmt.start).line;
  const relLine = m.lines.position(releaseStmt.start).line;
  if (m.lines.position(acquireStmt.end).line !== acqLine || m.lines.position(releaseStmt.end).line !== relLine) return undefined;
  if (m.lines.lineText(acqLine).trim() !== m.textOf(acquireStmt).trim()) return undefined;
  if (m.lines.lineText(relLine).trim() !== m.textOf(releaseStmt).trim()) return undefined;
  const indent = indentOf(m, acquireStmt);
  const unit = indentUnit(m);
  const nl = m.text.slice(endOfLine(m, acquireStmt.end) - 2).startsWith('\r\n') ? '\r\n' : '\n';
  const from = m.lines.starts[acqLine];
  const to = endOfLine(m, releaseStmt.end);
  let inner = '';
  if (relLine - 1 >= acqLine + 1) {
    inner = reindentLines(m, acqLine + 1, relLine - 1, unit, stringContinuationLines(m, body));
  }
  if (inner.trim() === '') inner = `${indent}${unit}pass${nl}`;
  const text = `${indent}with ${lockText}:${nl}${inner}`;
  return {
    title: `Use \`with ${lockText}:\` instead of acquire()/release()`,
    edits: [{ start: from, end: to, text }],
  };
}
