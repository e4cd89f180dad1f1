// Suppression comments: `# mpscope: ignore[MP003]`, `# mpscope: ignore[MP003, MP004]`, or a bare
// `# mpscope: ignore` for every rule. A comment applies to its own line and, when it sits on the
// first line of a statement, to the whole statement (so one comment covers a call spread over
// several lines). Comments come from the syntax tree, never from scanning the text.
import type { Model } from './model';
import type { Finding } from './rule';

export interface Suppression {
  line: number;
  /** Codes it silences; undefined for all. */
  codes: Set<string> | undefined;
}

/** Parses one comment's text; undefined when it is not an mpscope directive. */
export function parseSuppression(comment: string): Set<string> | undefined | false {
  const at = comment.indexOf('mpscope:');
  if (at < 0) return false;
  let rest = comment.slice(at + 'mpscope:'.length).trimStart();
  if (!rest.startsWith('ignore')) return false;
  rest = rest.slice('ignore'.length);
  if (rest.length > 0 && !rest.startsWith('[') && !rest.startsWith(' ') && !rest.startsWith('\t')) return false;
  rest = rest.trimStart();
  if (!rest.startsWith('[')) return undefined;
  const close = rest.indexOf(']');
  if (close < 0) return false;
  const codes = rest
    .slice(1, close)
    .split(',')
    .map((c) => c.trim().toUpperCase())
    .filter((c) => c.length > 0);
  return new Set(codes);
}

/** Lines (0-based) and the codes suppressed on them. */
export function collectSuppressions(model: Model): Map<number, Set<string> | undefined> {
  const byLine = new Map<number, Set<string> | undefined>();
  const add = (line: number, codes: Set<string> | undefined) => {
    if (byLine.has(line)) {
      const prev = byLine.get(line);
      if (prev === undefined || codes === undefined) byLine.set(line, undefined);
      else for (const c of codes) prev.add(c);
    } else {
      byLine.set(line, codes === undefined ? undefined : new Set(codes));
    }
  };
  for (const c of model.comments) {
    const parsed = parseSuppression(model.textOf(c));
    if (parsed === false) continue;
    const line = model.lines.position(c.start).line;
    add(line, parsed);
    // A comment trailing the first line of a multi-line statement covers all of it.
    const stmt = c.parent ? statementStartingOn(model, c, line) : undefined;
    // Only simple statements: a comment on `with ...:` must not silence the whole block.
    if (stmt && !stmt.children.some((k) => k.type === 'block')) {
      const last = model.lines.position(stmt.end).line;
      for (let l = line + 1; l <= last; l++) add(l, parsed);
    }
  }
  return byLine;
}

function statementStartingOn(model: Model, comment: import('./syntax').SyntaxNode, line: number) {
  // The statement whose first line holds the comment: its previous sibling chain's statement.
  let n = comment.parent;
  while (n && n.type !== 'block' && n.type !== 'module') {
    if (model.lines.position(n.start).line === line && n.parent && (n.parent.type === 'block' || n.parent.type === 'module')) {
      return n;
    }
    n = n.parent;
  }
  // Trailing comments are often siblings of the statement in the block.
  const prev = comment.parent ? comment.parent.children[comment.parent.children.indexOf(comment) - 1] : undefined;
  if (prev && model.lines.position(prev.start).line === line) return prev;
  return undefined;
}

export function isSuppressed(f: Finding, model: Model, table: Map<number, Set<string> | undefined>): boolean {
  const line = model.lines.position(f.start).line;
  if (!table.has(line)) return false;
  const codes = table.get(line);
  return codes === undefined || codes.has(f.code);
}
