// Quick fix for MP008: `pool = Pool(...)` becomes `with Pool(...) as pool:` around the statements
// that use it. Leaving the block terminates the workers, so the fix is offered only when every use
// of the pool is a blocking call (map, starmap, apply, close, join) inside that range: all work is
// done before the block ends, as it was before the program exited.
import type { Model } from '../model';
import type { Fix } from '../rule';
import { child, type SyntaxNode } from '../syntax';
import { following, indentOf, startsLine } from '../rules/util';
import { useOf } from '../uses';
import { endOfLine, eol, indentUnit, reindentLines, stringContinuationLines } from './indent';

const BLOCKING = new Set(['map', 'starmap', 'apply', 'close', 'join']);

export function poolWithFix(m: Model, assignStmt: SyntaxNode, name: string): Fix | undefined {
  const assign = assignStmt.children[0];
  if (!assign || assign.type !== 'assignment' || child(assign, 'type')) return undefined;
  const call = child(assign, 'right');
  if (!call || !startsLine(m, assignStmt)) return undefined;
  if (m.lines.position(assignStmt.start).line !== m.lines.position(assignStmt.end).line) return undefined;
  const found = m.bindingsOf(name, m.scopeOf(assign));
  if (!found || (found.bindings.length !== 1)) return undefined;
  const refs = m.refsOf(name, found.scope).filter((r) => r !== child(assign, 'left'));
  for (const r of refs) {
    const u = useOf(m, r);
    if (u.kind !== 'method' || !BLOCKING.has(u.name)) return undefined;
  }
  const rest = following(assignStmt);
  let last = -1;
  rest.forEach((s, i) => {
    if (refs.some((r) => s.start <= r.start && r.end <= s.end)) last = i;
  });
  // Every use must be inside the statements that move into the block.
  const range = rest.slice(0, last + 1);
  const covered = refs.every((r) => range.some((s) => s.start <= r.start && r.end <= s.end));
  if (!covered) return undefined;
  const nl = eol(m);
  const unit = indentUnit(m);
  const indent = indentOf(m, assignStmt);
  const header = `${indent}with ${m.textOf(call)} as ${name}:${nl}`;
  const from = m.lines.lineStartOf(assignStmt.start);
  let to = endOfLine(m, assignStmt.end);
  let body = `${indent}${unit}pass${nl}`;
  if (range.length) {
    const a = m.lines.position(assignStmt.end).line + 1;
    const b = m.lines.position(range[range.length - 1].end).line;
    body = reindentLines(m, a, b, unit, stringContinuationLines(m, range));
    if (!body.endsWith('\n')) body += nl;
    to = endOfLine(m, range[range.length - 1].end);
  }
  return {
    title: `Use \`with ${m.textOf(call)} as ${name}:\``,
    edits: [{ start: from, end: to, text: header + body }],
  };
}
