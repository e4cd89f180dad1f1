import { factsOf } from '../facts';
import type { Rule } from '../rule';

/**
 * MP023: `atexit.register()` in code that runs in a child process. Children started with fork or
 * forkserver end through os._exit(), which skips atexit handlers: the cleanup never runs there.
 */
export const atexitInChild: Rule = {
  code: 'MP023',
  name: 'atexit-in-child',
  summary: 'atexit.register() in a child process (not run under fork/forkserver)',
  severity: 'warning',
  check(ctx) {
    const m = ctx.model;
    const facts = factsOf(m);
    for (const [fn, uses] of facts.childFunctions()) {
      if (uses.creations.length === 0 && uses.tasks.length === 0) continue;
      const found = facts.findInCalls(fn, (c) => m.calleeName(c) === 'atexit.register', 2);
      if (!found) continue;
      ctx.report({
        start: found.call.start,
        end: found.call.end,
        severity: ctx.startMethod === 'spawn' && ctx.startMethodExplicit ? 'information' : 'warning',
        message:
          `${fn.name}() runs in a child process, where atexit handlers do not run under fork or forkserver (the ` +
          'child leaves through os._exit()). Use try/finally (or multiprocessing.util.Finalize) for cleanup.',
      });
    }
  },
};
