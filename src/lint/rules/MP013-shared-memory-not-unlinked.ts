import { factsOf } from '../facts';
import { SHARED_MEMORY } from '../names';
import type { Rule } from '../rule';
import { child } from '../syntax';
import { useOf } from '../uses';
import { following, hasCall, inFinally } from './util';

/**
 * MP013: `SharedMemory(create=True)` whose segment is not unlinked on every path. A segment lives
 * in the OS (/dev/shm) until unlink(); leaked ones are reported at shutdown by the resource
 * tracker ("There appear to be N leaked shared_memory objects") and use memory until reboot.
 */
export const sharedMemoryNotUnlinked: Rule = {
  code: 'MP013',
  name: 'shared-memory-not-unlinked',
  summary: 'SharedMemory(create=True) without unlink() on every path',
  severity: 'warning',
  check(ctx) {
    const m = ctx.model;
    const facts = factsOf(m);
    for (const call of m.calls) {
      const v = m.valueOf(call);
      if (v?.kind !== 'instance' || v.of !== SHARED_MEMORY || v.call !== call) continue;
      if (m.boolLiteral(m.argument(call, 1, 'create')) !== true) continue;
      if (expectedToFail(m, call)) continue;
      const bound = facts.boundName(call);
      if (!bound) continue;
      const unlinks = [];
      let handled = false;
      for (const ref of m.refsOf(bound.name, bound.scope)) {
        const u = useOf(m, ref);
        if (u.kind === 'method' && u.name === 'unlink') unlinks.push(u.call);
        else if (u.kind === 'attr' && u.name === 'unlink') handled = true; // registered as a cleanup callback
        else if (u.kind === 'escape') handled = true;
      }
      if (handled) continue;
      if (unlinks.length === 0) {
        ctx.report({
          start: call.start,
          end: call.end,
          message:
            `Shared memory \`${bound.name}\` is created but never unlinked: the segment outlives the program ` +
            '(the resource tracker warns about leaked shared_memory objects). Call unlink() once, in a finally block.',
        });
        continue;
      }
      if (unlinks.some((u) => inFinally(u))) continue;
      // unlink() in straight-line code: skipped if anything before it raises.
      const stmt = call.parent?.parent;
      const unlinkStmt = m.statementOf(unlinks[0]);
      if (!stmt || stmt.type !== 'expression_statement') continue;
      const rest = following(stmt);
      const idx = rest.indexOf(unlinkStmt);
      const between = idx >= 0 ? rest.slice(0, idx) : rest;
      if (!hasCall(between)) continue;
      ctx.report({
        start: call.start,
        end: call.end,
        message:
          `\`${bound.name}.unlink()\` (line ${m.lines.position(unlinks[0].start).line + 1}) is skipped if the code ` +
          'before it raises, leaking the segment. Put close() and unlink() in a finally block.',
        related: [{ start: unlinks[0].start, end: unlinks[0].end, message: 'unlink() outside finally' }],
      });
    }
  },
};

/** Inside `with self.assertRaises(...)` / `pytest.raises(...)`: the creation is meant to fail. */
function expectedToFail(m: import('../model').Model, node: import('../syntax').SyntaxNode): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'function_definition') return false;
    if (p.type !== 'with_statement') continue;
    for (const item of p.children.find((c) => c.type === 'with_clause')?.children ?? []) {
      const value = item.type === 'with_item' ? child(item, 'value') : undefined;
      const call = value?.type === 'as_pattern' ? value.children.find((c) => c.named && c.field !== 'alias') : value;
      const fn = call?.type === 'call' ? child(call, 'function') : undefined;
      const name = fn ? m.textOf(fn).split('.').pop() ?? '' : '';
      if (name.startsWith('assertRaises') || name === 'raises') return true;
    }
  }
  return false;
}
