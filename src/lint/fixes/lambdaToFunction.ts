// Quick fix for MP004: replace a lambda with a module-level function, which pickle can refer to by
// name. Offered only when the lambda reads no local variable of an enclosing function (a closure
// would change meaning once moved) and its defaults, if any, are literals.
import type { Model } from '../model';
import type { Fix } from '../rule';
import { child, walk, type SyntaxNode } from '../syntax';
import { eol, freshName, indentUnit } from './indent';

const LITERALS = new Set(['integer', 'float', 'string', 'true', 'false', 'none']);

export function lambdaToFunctionFix(m: Model, lambda: SyntaxNode, base: string): Fix | undefined {
  const params = child(lambda, 'parameters');
  const body = child(lambda, 'body');
  if (!body) return undefined;
  const lambdaScope = m.scopes.get(lambda);
  if (!lambdaScope) return undefined;
  let safe = true;
  if (params) {
    walk(params, (n) => {
      if (n.field === 'value' && !LITERALS.has(n.type)) safe = false;
      return safe;
    });
  }
  walk(body, (n) => {
    if (!safe) return false;
    if (n.type === 'identifier' && !m.isBindingNode(n)) {
      const p = n.parent;
      if (p?.type === 'attribute' && n.field === 'attribute') return true;
      if (p?.type === 'keyword_argument' && n.field === 'name') return true;
      const target = m.lookupScope(m.textOf(n), m.scopeOf(n));
      // Fine: the lambda's own parameters, comprehension variables inside it, module globals, builtins.
      if (target && target !== m.module && !isWithin(target.node, lambda)) safe = false;
    }
    return true;
  });
  if (!safe) return undefined;
  const line = m.lines.position(lambda.start).line + 1;
  const name = freshName(m, `${base}_L${line}`);
  const nl = eol(m);
  const bodyText = m.textOf(body);
  const ret = bodyText.includes('\n') ? `(${bodyText})` : bodyText;
  const def = `def ${name}(${params ? m.textOf(params) : ''}):${nl}${indentUnit(m)}return ${ret}${nl}${nl}${nl}`;
  const top = m.topStatement(lambda);
  const at = m.lines.lineStartOf(top.start);
  // Keep comments that sit right above the statement attached to it.
  return {
    title: `Replace the lambda with a module-level function \`${name}\``,
    edits: [
      { start: at, end: at, text: def },
      { start: lambda.start, end: lambda.end, text: name },
    ],
  };
}

function isWithin(node: SyntaxNode, outer: SyntaxNode): boolean {
  return outer.start <= node.start && node.end <= outer.end;
}
