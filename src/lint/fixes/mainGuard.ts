// Quick fix for MP001: wrap the module-level script code in `if __name__ == "__main__":`.
//
// What moves: the offending statement, the script statements just before it (down to the first
// def/class/import or the first statement binding a name some function reads), and everything
// after it. Function and class definitions and imports inside that range are hoisted above the
// guard (children must still find them when they import the module), but only when hoisting
// cannot change what they evaluate; otherwise no fix is offered. When the file already ends with
// a main guard, the code goes at the top of that guard instead of a second one.
import type { Model } from '../model';
import type { Fix } from '../rule';
import { child, walk, type SyntaxNode } from '../syntax';
import { statements, startsLine } from '../rules/util';
import { endOfLine, eol, indentUnit, reindentLines, stringContinuationLines } from './indent';

const DEFINITIONS = new Set([
  'function_definition',
  'class_definition',
  'decorated_definition',
  'import_statement',
  'import_from_statement',
  'future_import_statement',
]);

export function mainGuardFix(m: Model, offending: SyntaxNode): Fix | undefined {
  const stmts = statements(m.root);
  let first = stmts.indexOf(offending);
  if (first < 0) return undefined;
  const readByFunctions = namesReadByFunctions(m);
  while (first > 0) {
    const prev = stmts[first - 1];
    if (DEFINITIONS.has(prev.type) || m.mainGuards.includes(prev) || isDocstring(prev, stmts)) break;
    if (boundNames(m, prev).some((n) => readByFunctions.has(n))) break;
    first--;
  }
  let last = stmts.length - 1;
  let mergeInto: SyntaxNode | undefined;
  const tail = stmts[last];
  if (m.mainGuards.includes(tail) && last > first && !child(tail, 'alternative')) {
    mergeInto = tail;
    last--;
  }
  const range = stmts.slice(first, last + 1);
  if (!startsLine(m, range[0])) return undefined;

  const hoisted = range.filter((s) => DEFINITIONS.has(s.type));
  const wrapped = range.filter((s) => !DEFINITIONS.has(s.type));
  if (!hoistingIsSafe(m, range, hoisted, wrapped)) return undefined;

  const nl = eol(m);
  const unit = indentUnit(m);
  const skip = stringContinuationLines(m, range);
  const firstLine = m.lines.position(range[0].start).line;
  const lastLine = m.lines.position(range[range.length - 1].end).line;
  const lineOwner = new Map<number, SyntaxNode>();
  for (const s of hoisted) {
    const a = m.lines.position(s.start).line;
    const b = m.lines.position(s.end).line;
    for (let l = a; l <= b; l++) lineOwner.set(l, s);
  }
  let hoistedText = '';
  let wrappedText = '';
  for (let l = firstLine; l <= lastLine; l++) {
    if (lineOwner.has(l)) hoistedText += reindentLines(m, l, l, '', skip);
    else wrappedText += reindentLines(m, l, l, mergeInto ? guardIndent(m, mergeInto, unit) : unit, skip);
  }
  if (!wrappedText.endsWith('\n')) wrappedText += nl;
  if (hoistedText && !hoistedText.endsWith('\n')) hoistedText += nl;
  // Drop blank lines at the ends of the wrapped code; keep one blank line after hoisted code.
  wrappedText = trimBlankLines(wrappedText, nl);
  const start = m.lines.starts[firstLine];
  const end = endOfLine(m, range[range.length - 1].end);
  if (mergeInto) {
    const body = child(mergeInto, 'consequence')!;
    const bodyLineStart = m.lines.lineStartOf(body.start);
    return {
      title: 'Move module-level code into the existing `if __name__ == "__main__":` block',
      edits: [
        { start, end, text: hoistedText ? hoistedText + nl : '' },
        { start: bodyLineStart, end: bodyLineStart, text: wrappedText },
      ],
    };
  }
  const guard = `if __name__ == "__main__":${nl}`;
  return {
    title: 'Wrap module-level code in `if __name__ == "__main__":`',
    edits: [{ start, end, text: (hoistedText ? hoistedText + nl : '') + guard + wrappedText }],
  };
}

function guardIndent(m: Model, guard: SyntaxNode, unit: string): string {
  const body = child(guard, 'consequence');
  const first = body?.children.find((c) => c.named && c.type !== 'comment');
  if (!first) return unit;
  const ws = m.text.slice(m.lines.lineStartOf(first.start), first.start);
  return ws.trim() === '' ? ws : unit;
}

function trimBlankLines(text: string, nl: string): string {
  const lines = text.split(nl);
  while (lines.length && lines[0].trim() === '') lines.shift();
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  return lines.join(nl) + nl;
}

function isDocstring(stmt: SyntaxNode, stmts: SyntaxNode[]): boolean {
  return stmts[0] === stmt && stmt.type === 'expression_statement' && stmt.children[0]?.type === 'string';
}

/** Names bound by a module-level statement. */
function boundNames(m: Model, stmt: SyntaxNode): string[] {
  const out: string[] = [];
  walk(stmt, (n) => {
    if (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda') return false;
    if (n.type === 'identifier' && m.isBindingNode(n)) out.push(m.textOf(n));
    return true;
  });
  return out;
}

/** Module globals read inside function bodies. */
function namesReadByFunctions(m: Model): Set<string> {
  const out = new Set<string>();
  for (const [name, refs] of m.module.refs) {
    if (refs.some((r) => !m.runsAtImport(r))) out.add(name);
  }
  return out;
}

/** Names a statement reads while it executes (for defs: decorators, defaults, bases; not bodies). */
function namesReadAtDefinition(m: Model, stmt: SyntaxNode): Set<string> {
  const out = new Set<string>();
  walk(stmt, (n) => {
    if (n !== stmt && (n.type === 'function_definition' || n.type === 'lambda')) {
      // A def evaluates its decorators (outside it), defaults and annotations, not its body.
      for (const c of n.children) {
        if (c.field === 'parameters') {
          walk(c, (p) => {
            if (p.field === 'value' || p.field === 'type') {
              walk(p, (x) => {
                if (x.type === 'identifier') out.add(m.textOf(x));
              });
              return false;
            }
            return true;
          });
        }
      }
      return false;
    }
    if (n.type === 'identifier' && !m.isBindingNode(n)) out.add(m.textOf(n));
    return true;
  });
  return out;
}

function hoistingIsSafe(m: Model, range: SyntaxNode[], hoisted: SyntaxNode[], wrapped: SyntaxNode[]): boolean {
  if (hoisted.length === 0) return true;
  const wrappedBinds = new Set(wrapped.flatMap((s) => boundNames(m, s)));
  for (const h of hoisted) {
    // What the definition reads when it runs must not come from the code that moves into the guard.
    for (const name of namesReadAtDefinition(m, h)) if (wrappedBinds.has(name)) return false;
    // Moving a definition earlier must not change what earlier code saw, nor what a rebinding did.
    const names = boundNames(m, h).concat(definedName(m, h));
    const before = range.slice(0, range.indexOf(h));
    for (const name of names) {
      if (wrappedBinds.has(name)) return false;
      for (const s of before) {
        let uses = false;
        walk(s, (n) => {
          if (uses) return false;
          if (n.type === 'identifier' && m.textOf(n) === name) uses = true;
          return true;
        });
        if (uses) return false;
      }
    }
  }
  return true;
}

function definedName(m: Model, stmt: SyntaxNode): string[] {
  const def = stmt.type === 'decorated_definition' ? child(stmt, 'definition') : stmt;
  const name = def ? child(def, 'name') : undefined;
  return name ? [m.textOf(name)] : [];
}
