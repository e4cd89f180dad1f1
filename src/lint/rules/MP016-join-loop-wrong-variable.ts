import { factsOf } from '../facts';
import type { Rule } from '../rule';
import { child, walk } from '../syntax';
import { walkOwn } from './util';

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
    walk(m.root, (loop) => {
      if (loop.type !== 'for_statement') return true;
      const left = child(loop, 'left');
      const body = child(loop, 'body');
      const iter = child(loop, 'right');
      if (!left || left.type !== 'identifier' || !body || !iter) return true;
      const v = m.textOf(left);
      let usesVar = false;
      walk(body, (n) => {
        if (n.type === 'identifier' && m.textOf(n) === v) usesVar = true;
        return !usesVar;
      });
      if (usesVar) return true;
      // The iterable must hold processes, and the joined name must be a process too.
      if (iter.type === 'identifier' && facts.containerCreations(iter).length === 0) return true;
      walkOwn(body, (n) => {
        if (n.type !== 'call') return true;
        const mc = m.methodCall(n);
        if (!mc || mc.name !== 'join' || mc.receiver.type !== 'identifier') return true;
        if (!m.isProcess(mc.receiver) && facts.creationsOf(mc.receiver).length === 0) return true;
        const w = m.textOf(mc.receiver);
        ctx.report({
          start: n.start,
          end: n.end,
          message:
            `This loop over \`${m.textOf(iter)}\` joins \`${w}\` on every iteration, not the loop variable \`${v}\`: ` +
            `only one process is joined. Did you mean \`${v}.join()\`?`,
          fixes: [{ title: `Join the loop variable \`${v}\``, edits: [{ start: mc.receiver.start, end: mc.receiver.end, text: v }] }],
        });
        return false;
      });
      return true;
    });
  },
};
