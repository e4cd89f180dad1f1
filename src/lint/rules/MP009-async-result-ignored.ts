import { factsOf } from '../facts';
import type { Model, Scope } from '../model';
import type { Rule } from '../rule';
import { child, type SyntaxNode } from '../syntax';
import { useOf } from '../uses';

const POOL_ASYNC = new Set(['apply_async', 'map_async', 'starmap_async']);

/**
 * MP009: the AsyncResult of apply_async/map_async (or the Future of executor.submit) is thrown
 * away or never looked at. An exception raised in the worker is stored in that object and
 * re-raised only by get()/result(): dropped, the error vanishes silently.
 */
export const asyncResultIgnored: Rule = {
  code: 'MP009',
  name: 'async-result-ignored',
  summary: 'apply_async()/submit() results never collected, so worker exceptions are lost',
  severity: 'warning',
  check(ctx) {
    const m = ctx.model;
    const facts = factsOf(m);
    for (const t of facts.tasks) {
      const isPoolAsync = (t.kind === 'pool' || t.kind === 'threadpool') && POOL_ASYNC.has(t.method);
      const isSubmit = t.kind === 'executor' && t.method === 'submit';
      if (!isPoolAsync && !isSubmit) continue;
      if (isPoolAsync && m.keyword(t.call, 'error_callback')) continue;
      const what = isSubmit ? 'Future' : 'AsyncResult';
      const getter = isSubmit ? 'result()' : 'get()';
      const parent = t.call.parent;
      let unused = false;
      if (parent?.type === 'expression_statement') unused = true;
      else {
        const holder = holderOf(m, t.call);
        if (holder && !used(m, holder.name, holder.scope, holder.binding)) unused = true;
      }
      if (!unused) continue;
      ctx.report({
        start: t.call.start,
        end: t.call.end,
        message:
          `The ${what} of \`${m.textOf(child(t.call, 'function')!)}()\` is never collected: if the task raises, ` +
          `the exception is stored in it and silently lost. Call ${getter} on it` +
          (isPoolAsync ? ' or pass error_callback=.' : ', or add a done callback that checks exception().'),
      });
    }
  },
};

/** The variable holding the result: `r = pool.apply_async(...)`, `rs = [pool.apply_async(...) for ...]`, `rs.append(...)`. */
function holderOf(m: Model, call: SyntaxNode): { name: string; scope: Scope; binding: SyntaxNode } | undefined {
  let node = call;
  const p = call.parent;
  if (p?.type === 'list_comprehension' && call.field === 'body') node = p;
  else if (p?.type === 'argument_list') {
    const c = p.parent;
    const f = c ? child(c, 'function') : undefined;
    if (f?.type === 'attribute' && m.textOf(child(f, 'attribute')!) === 'append') {
      const obj = child(f, 'object');
      if (obj?.type === 'identifier') {
        const found = m.bindingsOf(m.textOf(obj), m.scopeOf(obj));
        if (found) return { name: m.textOf(obj), scope: found.scope, binding: obj };
      }
    }
    return undefined;
  }
  const assign = node.parent;
  if (assign?.type !== 'assignment' || node.field !== 'right') return undefined;
  const left = child(assign, 'left');
  if (left?.type !== 'identifier') return undefined;
  const found = m.bindingsOf(m.textOf(left), m.scopeOf(left));
  return found ? { name: m.textOf(left), scope: found.scope, binding: left } : undefined;
}

/** True if anything reads the variable beyond storing into it or appending to it. */
function used(m: Model, name: string, scope: Scope, binding: SyntaxNode): boolean {
  for (const ref of m.refsOf(name, scope)) {
    if (ref === binding) continue;
    const u = useOf(m, ref);
    if (u.kind === 'store') continue;
    if (u.kind === 'method' && (u.name === 'append' || u.name === 'ready')) continue;
    return true;
  }
  return false;
}
