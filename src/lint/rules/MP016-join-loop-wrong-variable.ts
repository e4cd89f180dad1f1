import { factsOf } from '../facts';
import type { Rule } from '../rule';
import { child, type SyntaxNode } from '../syntax';

/**
 * MP016: `for x in processes: p.join()`: the loop joins the same (last) process on every
 * iteration instead of the loop variable, so the other processes are never joined.
 */
export const joinLoopWrongVariable: Rule = {
  code: 'MP016',
  name: 'join-loop-wrong-variable',
  summary: 'A loop over processes joins another variable instead of the loop variable',
  severity: 'warning',
  check(ctx) {
    const m = ctx.model;
    const facts = factsOf(m);
    for (const call of m.callsNamed('join')) {
      const mc = m.methodCall(call);
      if (!mc || mc.receiver.type !== 'identifier') continue;
      const loop = nearestFor(call);
      if (!loop) continue;
      const left = child(loop, 'left');
      const body = child(loop, 'body');
      const iter = child(loop, 'right');
      if (!left || left.type !== 'identifier' || !body || !iter) continue;
      const v = m.textOf(left);
      const w = m.textOf(mc.receiver);
      if (v === w) continue;
      // The loop variable is not used at all in the body.
      const scope = m.lookupScope(v, m.scopeOf(left));
      if (scope && m.refsOf(v, scope).some((r) => r !== left && body.start <= r.start && r.end <= body.end)) continue;
      // The iterable holds processes, and the joined name is a process too.
      if (iter.type === 'identifier' && facts.containerCreations(iter).length === 0) continue;
      if (!m.isProcess(mc.receiver) && facts.creationsOf(mc.receiver).length === 0) continue;
      ctx.report({
        start: call.start,
        end: call.end,
        message:
          `This loop over \`${m.textOf(iter)}\` joins \`${w}\` on every iteration, not the loop variable \`${v}\`: ` +
          `only one process is joined. Did you mean \`${v}.join()\`?`,
        fixes: [{ title: `Join the loop variable \`${v}\``, edits: [{ start: mc.receiver.start, end: mc.receiver.end, text: v }] }],
      });
    }
  },
};

/** The innermost `for` statement whose body holds the node (same function). */
function nearestFor(node: SyntaxNode): SyntaxNode | undefined {
  let prev = node;
  for (let p = node.parent; p; prev = p, p = p.parent) {
    if (p.type === 'function_definition' || p.type === 'lambda' || p.type === 'class_definition') return undefined;
    if (p.type === 'for_statement' && prev.field === 'body') return p;
  }
  return undefined;
}
