import { factsOf } from '../facts';
import { INHERIT_ONLY } from '../names';
import type { Rule } from '../rule';

/**
 * MP021: a multiprocessing Lock, Queue, Event, Value... passed as an argument to a Pool or
 * ProcessPoolExecutor task. These objects can only be shared with a child by inheritance (Process
 * arguments, or a pool initializer); pickling one for a task raises "RuntimeError: Lock objects
 * should only be shared between processes through inheritance".
 */
export const syncPrimitivePickled: Rule = {
  code: 'MP021',
  name: 'sync-primitive-pickled',
  summary: 'A multiprocessing Lock/Queue/Value is passed to a Pool task (RuntimeError)',
  severity: 'error',
  check(ctx) {
    const m = ctx.model;
    const facts = factsOf(m);
    for (const t of facts.tasks) {
      if (t.kind === 'threadpool') continue;
      for (const arg of t.args) {
        const of = m.instanceOf(arg);
        if (!of || !INHERIT_ONLY.has(of)) continue;
        ctx.report({
          start: arg.start,
          end: arg.end,
          message:
            `\`${m.textOf(arg)}\` is a ${of}, which can only be shared with a child by inheritance: sending it to a ` +
            'pool task raises RuntimeError. Use a Manager() object, or pass it through the pool\'s initializer/initargs.',
        });
      }
    }
  },
};
