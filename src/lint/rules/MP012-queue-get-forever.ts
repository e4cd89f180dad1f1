import { factsOf } from '../facts';
import type { Model } from '../model';
import { ANY_QUEUES } from '../names';
import type { Rule } from '../rule';
import { child, type SyntaxNode } from '../syntax';
import { isInfiniteLoop, walkOwn } from './util';

const EXIT_CALLS = new Set(['sys.exit', 'os._exit', 'exit', 'quit', 'os.abort']);

/**
 * MP012: in a child process, `while True:` around `queue.get()` with no timeout and no way out of
 * the loop (no break, return or raise): no sentinel can end it. The child never exits, and the
 * parent, which joins non-daemon children at exit, hangs with it.
 */
export const queueGetForever: Rule = {
  code: 'MP012',
  name: 'queue-get-forever',
  summary: 'A child loops forever on queue.get() with no timeout and no sentinel to stop it',
  severity: 'warning',
  check(ctx) {
    const m = ctx.model;
    const facts = factsOf(m);
    for (const [fn, uses] of facts.childFunctions()) {
      // Only processes the parent waits for: non-daemon, and not terminated by the parent.
      const waited = uses.creations.filter((c) => !facts.isDaemon(c) && !facts.terminated(c));
      if (waited.length === 0) continue;
      const body = child(fn.node, 'body');
      if (!body) continue;
      walkOwn(body, (n) => {
        if (!isInfiniteLoop(m, n) || hasExit(m, n)) return true;
        const get = blockingGet(m, n);
        if (get) {
          ctx.report({
            start: get.start,
            end: get.end,
            message:
              `\`${m.textOf(get)}\` waits with no timeout inside a \`while True:\` loop that nothing can end (no break, ` +
              `return or raise): the child running ${fn.name}() never exits and the parent hangs joining it. Send a ` +
              'sentinel (e.g. None) and break when it arrives, or use get(timeout=...).',
          });
        }
        return false;
      });
    }
  },
};

/** True if the loop can be left: a break of its own, a return, a raise, or an exit call. */
function hasExit(m: Model, loop: SyntaxNode): boolean {
  let exit = false;
  const visit = (n: SyntaxNode, nestedLoop: boolean): void => {
    if (exit) return;
    if (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda') return;
    if (n.type === 'return_statement' || n.type === 'raise_statement') exit = true;
    if (n.type === 'break_statement' && !nestedLoop) exit = true;
    if (n.type === 'call') {
      const name = m.calleeName(n) ?? m.textOf(child(n, 'function')!);
      if (EXIT_CALLS.has(name)) exit = true;
    }
    const inner = n !== loop && (n.type === 'for_statement' || n.type === 'while_statement');
    for (const c of n.children) visit(c, nestedLoop || inner);
  };
  visit(loop, false);
  return exit;
}

/** A `q.get()` that blocks with no timeout, on a multiprocessing or manager queue, in the loop. */
function blockingGet(m: Model, loop: SyntaxNode): SyntaxNode | undefined {
  let found: SyntaxNode | undefined;
  walkOwn(loop, (n) => {
    if (found) return false;
    if (n.type !== 'call') return true;
    const mc = m.methodCall(n);
    if (!mc || mc.name !== 'get' || !ANY_QUEUES.has(m.instanceOf(mc.receiver) ?? '')) return true;
    const block = m.argument(n, 0, 'block');
    const timeout = m.argument(n, 1, 'timeout');
    if (timeout || (block && m.boolLiteral(block) !== true)) return true;
    found = n;
    return false;
  });
  return found;
}
