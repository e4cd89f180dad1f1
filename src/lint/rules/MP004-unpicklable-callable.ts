import { factsOf } from '../facts';
import { lambdaToFunctionFix } from '../fixes/lambdaToFunction';
import type { Model } from '../model';
import type { Rule, Severity } from '../rule';
import type { SyntaxNode } from '../syntax';
import { spawnSeverity, startMethodPhrase } from './util';
import { useOf } from '../uses';

/**
 * MP004: a lambda or a nested function handed to another process. Pickle refers to functions by
 * module and name; a lambda or a function defined inside another function has no importable name.
 * Pool and ProcessPoolExecutor always pickle the callable (error under every start method); a
 * Process target and a manager's register(callable=...) are pickled under spawn and forkserver.
 */
export const unpicklableCallable: Rule = {
  code: 'MP004',
  name: 'unpicklable-callable',
  summary: 'A lambda or nested function is sent to another process (cannot be pickled)',
  severity: 'error',
  check(ctx) {
    const m = ctx.model;
    const facts = factsOf(m);
    const check = (expr: SyntaxNode | undefined, where: string, severity: Severity, always: boolean, base: string) => {
      const bad = unpicklable(m, expr);
      if (!bad) return;
      const fix = bad.node.type === 'lambda' ? lambdaToFunctionFix(m, bad.node, base) : undefined;
      ctx.report({
        start: bad.node.start,
        end: bad.node.end,
        severity,
        message:
          `${bad.what} passed ${where} cannot be pickled` +
          (always ? ': the call fails with PicklingError.' : ` for the child process ${startMethodPhrase(ctx)}.`) +
          ' Use a function defined at module level.',
        fixes: fix ? [fix] : undefined,
      });
    };
    const forkForced = forcesFork(m);
    for (const c of facts.creations) {
      // Under fork the target is inherited, not pickled: a context or program that insists on fork.
      const v = m.valueOf(c.call);
      if (forkForced || (v?.kind === 'instance' && v.startMethod === 'fork')) continue;
      // A process that is created but never started is never pickled.
      const bound = facts.boundName(c.call);
      if (bound && !m.refsOf(bound.name, bound.scope).some((r) => {
        const u = useOf(m, r);
        return (u.kind === 'method' && u.name === 'start') || u.kind === 'escape';
      })) continue;
      if (c.target) check(c.target, 'as a Process target', spawnSeverity(ctx), false, '_target');
    }
    for (const t of facts.tasks) {
      if (t.kind === 'threadpool') continue;
      const where = t.kind === 'executor' ? `to ProcessPoolExecutor.${t.method}()` : `to Pool.${t.method}()`;
      check(t.fnExpr, where, 'error', true, '_task');
    }
    // BaseManager.register('name', callable=lambda: q) on a manager that is start()ed.
    for (const call of m.callsNamed('register')) {
      const mc = m.methodCall(call);
      if (!mc || mc.name !== 'register') continue;
      const cls = m.valueOf(mc.receiver);
      if (cls?.kind !== 'class') continue;
      const base = m.classCanonical(cls.cls);
      if (base !== 'multiprocessing.managers.BaseManager' && base !== 'multiprocessing.managers.SyncManager') continue;
      if (!managerStarted(m, cls.cls)) continue;
      check(m.argument(call, 1, 'callable'), 'to register() of a manager that is start()ed', spawnSeverity(ctx), false, '_callable');
    }
  },
};

function unpicklable(m: Model, expr: SyntaxNode | undefined, depth = 0): { node: SyntaxNode; what: string } | undefined {
  if (!expr || depth > 3) return undefined;
  if (expr.type === 'lambda') return { node: expr, what: 'A lambda' };
  if (expr.type === 'call' && m.calleeName(expr) === 'functools.partial') {
    return unpicklable(m, m.argument(expr, 0, 'func'), depth + 1);
  }
  const v = m.valueOf(expr);
  if (v?.kind === 'function' && v.fn.nested) return { node: expr, what: `The nested function \`${v.fn.name}\`` };
  if (v?.kind === 'lambda' && expr.type === 'identifier') return { node: expr, what: `\`${m.textOf(expr)}\` (a lambda)` };
  return undefined;
}

/** True when the program sets the fork start method (and no other) itself. */
function forcesFork(m: Model): boolean {
  const methods = new Set<string | undefined>();
  for (const call of m.callsNamed('set_start_method')) {
    if (m.calleeName(call) === 'multiprocessing.set_start_method') methods.add(m.stringValue(m.argument(call, 0, 'method')));
  }
  return methods.size === 1 && methods.has('fork');
}

function managerStarted(m: Model, cls: import('../model').ClassInfo): boolean {
  for (const call of m.callsNamed('start')) {
    const mc = m.methodCall(call);
    if (!mc || mc.name !== 'start') continue;
    const v = m.valueOf(mc.receiver);
    if (v?.kind === 'instance' && v.cls === cls) return true;
  }
  return false;
}
