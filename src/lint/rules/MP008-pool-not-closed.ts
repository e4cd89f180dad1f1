import { factsOf } from '../facts';
import { poolWithFix } from '../fixes/poolWith';
import { POOL } from '../names';
import type { Rule } from '../rule';
import { child } from '../syntax';
import { useOf } from '../uses';

/**
 * MP008: a Pool that is never closed and joined, terminated, or used in `with`. The docs warn that
 * relying on the garbage collector to finalize a pool can hang the process at exit, and pending
 * work may be cut off.
 */
export const poolNotClosed: Rule = {
  code: 'MP008',
  name: 'pool-not-closed',
  summary: 'A Pool is neither used in `with` nor closed/terminated and joined',
  severity: 'warning',
  check(ctx) {
    const m = ctx.model;
    const facts = factsOf(m);
    for (const call of m.calls) {
      const v = m.valueOf(call);
      if (v?.kind !== 'instance' || v.call !== call || (v.of !== POOL && v.of !== 'multiprocessing.ThreadPool')) continue;
      const parent = call.parent;
      if (!parent) continue;
      if (parent.type === 'attribute' && call.field === 'object') {
        ctx.report({
          start: call.start,
          end: call.end,
          message:
            'This Pool is used without keeping a reference, so it is never closed or joined; its workers are ' +
            'left to the garbage collector, which can hang at exit. Use `with Pool(...) as pool:`.',
        });
        continue;
      }
      const bound = facts.boundName(call);
      if (!bound) continue;
      let handled = false;
      for (const ref of m.refsOf(bound.name, bound.scope)) {
        const u = useOf(m, ref);
        if (u.kind === 'method' && (u.name === 'close' || u.name === 'terminate' || u.name === 'join' || u.name === '__exit__')) handled = true;
        if (u.kind === 'escape') handled = true;
        if (u.kind === 'attr' && (u.name === 'close' || u.name === 'terminate')) handled = true; // passed as a callback
        if (ref.parent?.type === 'with_item' || ref.parent?.parent?.type === 'with_item') handled = true;
        if (handled) break;
      }
      if (handled) continue;
      const stmt = parent.parent;
      const fix = stmt?.type === 'expression_statement' ? poolWithFix(m, stmt, bound.name) : undefined;
      ctx.report({
        start: call.start,
        end: call.end,
        message:
          `Pool \`${bound.name}\` is never closed and joined, terminated, or used in \`with\`: its workers are left ` +
          'to the garbage collector, which can hang at exit. Use `with ' + m.textOf(child(call, 'function')!) + '(...) as ' + bound.name + ':`.',
        fixes: fix ? [fix] : undefined,
      });
    }
  },
};
