import { POOL } from '../names';
import type { Rule } from '../rule';
import { methodCalls } from '../uses';

/**
 * MP017: Pool.join() with no close() or terminate() before it. join() requires the pool to be
 * closed first and raises "ValueError: Pool is still running" otherwise.
 */
export const poolJoinWithoutClose: Rule = {
  code: 'MP017',
  name: 'pool-join-without-close',
  summary: 'Pool.join() without close() or terminate() first (ValueError)',
  severity: 'error',
  check(ctx) {
    const m = ctx.model;
    for (const call of m.callsNamed('join')) {
      const mc = m.methodCall(call);
      if (!mc || mc.name !== 'join' || mc.receiver.type !== 'identifier') continue;
      const of = m.instanceOf(mc.receiver);
      if (of !== POOL && of !== 'multiprocessing.ThreadPool') continue;
      const name = m.textOf(mc.receiver);
      const found = m.bindingsOf(name, m.scopeOf(mc.receiver));
      if (!found) continue;
      const closers = methodCalls(m, name, found.scope, new Set(['close', 'terminate']));
      if (closers.some((c) => c.start < call.start)) continue;
      ctx.report({
        start: call.start,
        end: call.end,
        message: `\`${name}.join()\` before \`${name}.close()\` raises "ValueError: Pool is still running". Call close() (or terminate()) first.`,
      });
    }
  },
};
