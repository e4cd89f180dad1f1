// Re-indenting lines of Python without changing what they mean: lines that continue a multi-line
// string are left alone (indenting them would change the string's value).
import type { Model } from '../model';
import { walk, type SyntaxNode } from '../syntax';

/** The unit the file indents with: its first indented block's indentation, else four spaces. */
export function indentUnit(m: Model): string {
  let unit: string | undefined;
  walk(m.root, (n) => {
    if (unit !== undefined) return false;
    if (n.type === 'block' && n.parent) {
      const first = n.children.find((c) => c.named && c.type !== 'comment');
      if (first) {
        const lineStart = m.lines.lineStartOf(first.start);
        const ws = m.text.slice(lineStart, first.start);
        const parentStart = m.lines.lineStartOf(n.parent.start);
        const parentWs = m.text.slice(parentStart, n.parent.start);
        if (ws.trim() === '' && parentWs.trim() === '' && ws.length > parentWs.length && ws.startsWith(parentWs)) {
          unit = ws.slice(parentWs.length);
        }
      }
      return false;
    }
    return true;
  });
  return unit ?? '    ';
}

/** 0-based lines that start inside a multi-line string literal, within the given nodes. */
export function stringContinuationLines(m: Model, nodes: SyntaxNode[]): Set<number> {
  const lines = new Set<number>();
  for (const node of nodes) {
    walk(node, (n) => {
      if (n.type === 'string') {
        const a = m.lines.position(n.start).line;
        const b = m.lines.position(n.end).line;
        for (let l = a + 1; l <= b; l++) lines.add(l);
        return false;
      }
      return true;
    });
  }
  return lines;
}

/**
 * Text of lines [first, last] with `prefix` added to each (blank lines and string continuation
 * lines untouched), or with `remove` characters of indentation taken off when negative work is
 * asked for. Each line keeps its own line break.
 */
export function reindentLines(
  m: Model,
  first: number,
  last: number,
  prefix: string,
  skip: Set<number>,
): string {
  let out = '';
  for (let l = first; l <= last; l++) {
    const start = m.lines.starts[l];
    const end = l + 1 < m.lines.starts.length ? m.lines.starts[l + 1] : m.text.length;
    const line = m.text.slice(start, end);
    if (skip.has(l) || line.trim() === '') out += line;
    else out += prefix + line;
  }
  return out;
}

/** Offset just past the line break ending the line that holds `offset` (or end of text). */
export function endOfLine(m: Model, offset: number): number {
  const line = m.lines.position(offset).line;
  return line + 1 < m.lines.starts.length ? m.lines.starts[line + 1] : m.text.length;
}

/** The line break the file uses. */
export function eol(m: Model): string {
  const i = m.text.indexOf('\n');
  return i > 0 && m.text.charCodeAt(i - 1) === 13 ? '\r\n' : '\n';
}

/** A name not bound anywhere in the file, built from `base`. */
export function freshName(m: Model, base: string): string {
  const used = new Set<string>();
  for (const s of m.scopes.values()) {
    for (const k of s.bindings.keys()) used.add(k);
    for (const k of s.refs.keys()) used.add(k);
  }
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}
