import { factsOf } from '../facts';
import type { Rule } from '../rule';
import { child, type SyntaxNode } from '../syntax';
import { enclosingLoop, someOwn, walkOwn } from './util';

const SHARED = new Set(['multiprocessing.Value', 'multiprocessing.Array', 'multiprocessing.RawValue', 'multiprocessing.RawArray']);

/**
 * MP022: `v.value += 1` (or `arr[i] += x`) on a shared Value/Array in a child process, with no lock
 * around it. `+=` reads, adds and writes in separate steps; processes doing it at once lose updates.
 */
export const sharedValueRace: Rule = {
  code: 'MP022',
  name: 'shared-value-race',
  summary: 'Unlocked read-modify-write (`+=`) of a shared Value/Array in a child',
  severity: 'warning',
  check(ctx) {
    const m = ctx.model;
    const facts = factsOf(m);
    for (const [fn, uses] of facts.childFunctions()) {
      const body = child(fn.node, 'body');
      if (!body) continue;
      // Any explicit acquire() in the function: assume the author synchronises by hand.
      if (someOwn(body, (n) => n.type === 'call' && m.methodCall(n)?.name === 'acquire')) continue;
      walkOwn(body, (n) => {
        const target = readModifyWrite(m, n);
        if (!target) return true;
        if (insideWith(n, fn.node)) return true;
        if (concurrentWriters(m, facts, fn, uses, target) < 2) return true;
        ctx.report({
          start: n.start,
          end: n.end,
          message:
            `\`${m.textOf(n).split('\n')[0]}\` reads and writes shared \`${m.textOf(target)}\` in separate steps; ` +
            'processes doing it at the same time lose updates. Hold its lock: `with ' + m.textOf(target) + '.get_lock():`.',
        });
        return true;
      });
    }
  },
};

/** For `x.value += ...`, `x[i] += ...` or `x.value = x.value + ...` on a shared Value/Array: x. */
function readModifyWrite(m: import('../model').Model, n: SyntaxNode): SyntaxNode | undefined {
  if (n.type !== 'augmented_assignment' && n.type !== 'assignment') return undefined;
  const left = child(n, 'left');
  if (!left) return undefined;
  let base: SyntaxNode | undefined;
  if (left.type === 'attribute' && m.textOf(child(left, 'attribute')!) === 'value') base = child(left, 'object');
  else if (left.type === 'subscript') base = child(left, 'value');
  if (!base || !SHARED.has(m.instanceOf(base) ?? '')) return undefined;
  if (n.type === 'assignment') {
    const right = child(n, 'right');
    const leftText = m.textOf(left);
    if (!right || !someOwn(right, (x) => m.textOf(x) === leftText)) return undefined;
  }
  return base;
}

/**
 * How many processes may run this update on the same object at once: processes given the same
 * object (one created in a loop counts as several), and pool tasks (several workers).
 */
function concurrentWriters(
  m: import('../model').Model,
  facts: ReturnType<typeof factsOf>,
  fn: import('../model').FunctionInfo,
  uses: { creations: import('../facts').ProcessCreation[]; tasks: import('../facts').PoolTask[] },
  target: SyntaxNode,
): number {
  const slots = (call: SyntaxNode) => (enclosingLoop(call) || inComprehension(call) ? 2 : 1);
  if (target.type !== 'identifier') return 0;
  const name = m.textOf(target);
  const param = fn.params.includes(name) && m.lookupScope(name, m.scopeOf(target)) === fn.scope;
  if (!param) {
    // A module global inherited by every child of this function.
    return uses.creations.reduce((n, c) => n + slots(c.call), 0) + uses.tasks.length * 2;
  }
  // The parent's objects handed to this parameter, then everyone else receiving the same object.
  const keys = new Set<string>();
  for (const c of uses.creations) {
    const arg = c.paramArgs.get(name);
    const k = arg ? objectKey(m, arg) : undefined;
    if (k) keys.add(k);
  }
  let count = uses.tasks.length * 2;
  for (const c of facts.creations) {
    if (c.args.some((a) => keys.has(objectKey(m, a) ?? ''))) count += slots(c.call);
  }
  for (const t of facts.tasks) if (t.args.some((a) => keys.has(objectKey(m, a) ?? ''))) count += 2;
  return count;
}

function inComprehension(n: SyntaxNode): boolean {
  for (let p = n.parent; p; p = p.parent) {
    if (p.type === 'function_definition' || p.type === 'lambda') return false;
    if (p.type === 'list_comprehension' || p.type === 'generator_expression' || p.type === 'set_comprehension') return true;
  }
  return false;
}

function objectKey(m: import('../model').Model, expr: SyntaxNode): string | undefined {
  if (expr.type !== 'identifier') return undefined;
  const found = m.bindingsOf(m.textOf(expr), m.scopeOf(expr));
  return found ? `${m.textOf(expr)}@${found.scope.node.start}` : undefined;
}

function insideWith(n: SyntaxNode, stop: SyntaxNode): boolean {
  for (let p = n.parent; p && p !== stop; p = p.parent) if (p.type === 'with_statement') return true;
  return false;
}
