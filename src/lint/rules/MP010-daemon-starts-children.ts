import { factsOf } from '../facts';
import type { Rule } from '../rule';

/**
 * MP010: a daemon process (or a Pool worker, which is daemonic) whose code starts processes.
 * multiprocessing forbids it: the start fails with "AssertionError: daemonic processes are not
 * allowed to have children" and the child exits with code 1.
 */
export const daemonStartsChildren: Rule = {
  code: 'MP010',
  name: 'daemon-starts-children',
  summary: 'A daemon process or Pool task starts processes (AssertionError at run time)',
  severity: 'error',
  check(ctx) {
    const m = ctx.model;
    const facts = factsOf(m);
    const startsChild = (call: import('../syntax').SyntaxNode) => {
      if (!facts.startsProcesses(call)) return false;
      // concurrent.futures workers are not daemonic since Python 3.9; only flag multiprocessing starts.
      return m.instanceOf(call) !== 'concurrent.futures.ProcessPoolExecutor';
    };
    for (const c of facts.creations) {
      if (!c.targetFn || !facts.isDaemon(c)) continue;
      const found = facts.findInCalls(c.targetFn, startsChild);
      if (!found) continue;
      ctx.report({
        start: c.call.start,
        end: c.call.end,
        message:
          `This daemon process runs ${c.targetFn.name}(), which starts a process (line ` +
          `${m.lines.position(found.call.start).line + 1}); daemonic processes are not allowed to have children ` +
          '(AssertionError). Make it non-daemonic, or start the processes from the parent.',
        related: [{ start: found.call.start, end: found.call.end, message: 'starts a process inside the daemon' }],
      });
    }
    for (const t of facts.tasks) {
      if (t.kind !== 'pool' || !t.fn) continue;
      const found = facts.findInCalls(t.fn, startsChild);
      if (!found) continue;
      ctx.report({
        start: t.call.start,
        end: t.call.end,
        message:
          `Pool workers are daemonic, and ${t.fn.name}() starts a process (line ` +
          `${m.lines.position(found.call.start).line + 1}): the task fails with "daemonic processes are not allowed ` +
          'to have children". Use a ProcessPoolExecutor or start the processes from the parent.',
        related: [{ start: found.call.start, end: found.call.end, message: 'starts a process inside a pool worker' }],
      });
    }
  },
};
