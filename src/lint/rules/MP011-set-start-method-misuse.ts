import { factsOf } from '../facts';
import type { FunctionInfo } from '../model';
import type { Rule } from '../rule';
import { type SyntaxNode } from '../syntax';

/** True when two nodes sit in different branches of the same if statement (never both run). */
export function exclusive(a: SyntaxNode, b: SyntaxNode): boolean {
  const via = new Map<SyntaxNode, SyntaxNode>();
  for (let n = a; n.parent; n = n.parent) via.set(n.parent, n);
  for (let n = b; n.parent; n = n.parent) {
    const p = n.parent;
    const fromA = via.get(p);
    if (!fromA) continue;
    if (fromA === n) return false;
    return p.type === 'if_statement' || p.type === 'conditional_expression' || p.type === 'match_statement' || p.type === 'block' && p.parent?.type === 'match_statement';
  }
  return false;
}

/**
 * MP011: `set_start_method()` outside the main guard, or called twice. It may be called only once
 * per program; a second call raises "RuntimeError: context has already been set". At module level
 * it also runs again in every spawn/forkserver child, which imports the main module, and fails there.
 */
export const setStartMethodMisuse: Rule = {
  code: 'MP011',
  name: 'set-start-method-misuse',
  summary: 'set_start_method() called outside the main guard, or more than once',
  severity: 'error',
  check(ctx) {
    const m = ctx.model;
    const facts = factsOf(m);
    const byOwner = new Map<FunctionInfo | 'module', SyntaxNode[]>();
    for (const call of m.callsNamed('set_start_method')) {
      if (m.calleeName(call) !== 'multiprocessing.set_start_method') continue;
      if (m.boolLiteral(m.keyword(call, 'force')) === true) continue;
      const owner = facts.ownerOf(call);
      if (!owner) continue;
      const list = byOwner.get(owner) ?? [];
      list.push(call);
      byOwner.set(owner, list);
      if (owner === 'module' && !m.mainGuardOf(call)) {
        ctx.report({
          start: call.start,
          end: call.end,
          message:
            'set_start_method() at module level, outside `if __name__ == "__main__":`: spawn and forkserver children ' +
            'import this module again and call it a second time, which raises "RuntimeError: context has already ' +
            'been set". Call it inside the main guard (libraries should use get_context() instead).',
        });
      }
    }
    for (const calls of byOwner.values()) {
      for (const call of calls.slice(1)) {
        // `if ...: set_start_method(a) else: set_start_method(b)` runs only one of them.
        if (exclusive(calls[0], call)) continue;
        ctx.report({
          start: call.start,
          end: call.end,
          message:
            `set_start_method() is called again (first at line ${m.lines.position(calls[0].start).line + 1}): the second ` +
            'call raises "RuntimeError: context has already been set". Call it once, or pass force=True.',
          related: [{ start: calls[0].start, end: calls[0].end, message: 'first call' }],
        });
      }
    }
  },
};
