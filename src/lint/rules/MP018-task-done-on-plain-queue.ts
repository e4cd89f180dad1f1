import type { Rule } from '../rule';

const PLAIN = new Set(['multiprocessing.Queue', 'multiprocessing.SimpleQueue']);

/**
 * MP018: task_done() or join() on a multiprocessing.Queue. Only JoinableQueue has them; a plain
 * Queue raises AttributeError.
 */
export const taskDoneOnPlainQueue: Rule = {
  code: 'MP018',
  name: 'task-done-on-plain-queue',
  summary: 'task_done()/join() on a multiprocessing.Queue (only JoinableQueue has them)',
  severity: 'error',
  check(ctx) {
    const m = ctx.model;
    for (const call of ['task_done', 'join'].flatMap((n) => m.callsNamed(n))) {
      const mc = m.methodCall(call);
      if (!mc || (mc.name !== 'task_done' && mc.name !== 'join')) continue;
      const of = m.instanceOf(mc.receiver);
      if (!of || !PLAIN.has(of)) continue;
      ctx.report({
        start: call.start,
        end: call.end,
        message:
          `\`${m.textOf(mc.receiver)}\` is a ${of.split('.')[1]}, which has no ${mc.name}() (AttributeError). ` +
          'Use multiprocessing.JoinableQueue to track finished tasks.',
      });
    }
  },
};
