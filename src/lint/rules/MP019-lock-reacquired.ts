import { factsOf, type Facts } from '../facts';
import type { FunctionInfo, Model } from '../model';
import { PLAIN_LOCKS } from '../names';
import type { Rule } from '../rule';
import { child, type SyntaxNode } from '../syntax';
import { following, walkOwn } from './util';
import { escapes } from '../uses';

type Env = Map<string, string> | undefined;

/**
 * MP019: a non-reentrant Lock taken again while already held by the same code path: directly
 * (nested `with lock:`), or by calling a function of this file that takes it (the lock may be
 * passed along as an argument). A Lock is not an RLock: the second acquire waits forever.
 */
export const lockReacquired: Rule = {
  code: 'MP019',
  name: 'lock-reacquired',
  summary: 'A non-reentrant Lock is acquired again while held (self-deadlock)',
  severity: 'error',
  check(ctx) {
    const m = ctx.model;
    const facts = factsOf(m);
    const reported = new Set<SyntaxNode>();
    const visitRegion = (nodes: SyntaxNode[], key: string, lockText: string) => {
      for (const node of nodes) {
        walkOwn(node, (n) => {
          const inner = takes(m, facts, n, undefined);
          if (inner && inner.key === key && !reported.has(n)) {
            reported.add(n);
            ctx.report({
              start: n.start,
              end: n.end,
              message: `\`${lockText}\` is a Lock, not an RLock, and is already held here: taking it again waits forever.`,
            });
            return false;
          }
          if (n.type === 'call') {
            const fn = m.functionValue(child(n, 'function'));
            const found = fn ? takesLockIn(m, facts, fn, key, facts.argumentIdentities(n, fn)) : undefined;
            if (fn && found && !reported.has(n)) {
              reported.add(n);
              ctx.report({
                start: n.start,
                end: n.end,
                message:
                  `${fn.name}() takes \`${lockText}\` again (line ${m.lines.position(found.start).line + 1}) while it ` +
                  'is already held here; a Lock is not reentrant, so this deadlocks. Use an RLock or restructure.',
                related: [{ start: found.start, end: found.end, message: 'the lock is taken again here' }],
              });
            }
          }
          return true;
        });
      }
    };
    // Regions where a lock is held: `with lock:` bodies, and acquire() up to its release().
    for (const n of m.withStatements) {
      const t = takes(m, facts, n, undefined);
      const body = child(n, 'body');
      if (t && body) visitRegion([body], t.key, t.text);
    }
    for (const n of m.callsNamed('acquire')) {
      const t = takes(m, facts, n, undefined);
      const stmt = n.parent?.type === 'expression_statement' ? n.parent : undefined;
      // A lock acquired here and released elsewhere is a handshake: acquiring it again waits for the other side.
      if (!t || !stmt || !facts.isMutexLike(t.key)) continue;
      // A lock handed to another thread or process may be released there (a handshake).
      if (t.expr.type === 'identifier') {
        const found = m.bindingsOf(t.text, m.scopeOf(t.expr));
        if (found && escapes(m, t.text, found.scope)) continue;
      }
      const rest = following(stmt);
      const end = rest.findIndex((s) => releases(m, facts, s, t.key));
      visitRegion(end >= 0 ? rest.slice(0, end) : rest, t.key, t.text);
    }
  },
};

/** If `n` takes a plain lock (`with L:` or `L.acquire()`), the lock's identity and text. */
function takes(m: Model, facts: Facts, n: SyntaxNode, env: Env): { key: string; text: string; expr: SyntaxNode } | undefined {
  let expr: SyntaxNode | undefined;
  if (n.type === 'with_statement') {
    const item = n.children.find((c) => c.type === 'with_clause')?.children.find((c) => c.type === 'with_item');
    const value = item ? child(item, 'value') : undefined;
    expr = value?.type === 'as_pattern' ? value.children.find((c) => c.named && c.field !== 'alias') : value;
  } else if (n.type === 'call') {
    const mc = m.methodCall(n);
    if (mc?.name === 'acquire' && n.parent?.type === 'expression_statement') expr = mc.receiver;
  }
  if (!expr) return undefined;
  const key = facts.objectIdentity(expr, env);
  if (!key) return undefined;
  // The type comes from the lock's creation; through an argument it is known from the caller.
  if (!PLAIN_LOCKS.has(m.instanceOf(expr) ?? '') && !(env && key && plainLockKeys(m, facts).has(key))) return undefined;
  return { key, text: m.textOf(expr), expr };
}

const plainCache = new WeakMap<Model, Set<string>>();

/** Identities of every plain Lock object the file creates. */
function plainLockKeys(m: Model, facts: Facts): Set<string> {
  let set = plainCache.get(m);
  if (set) return set;
  set = new Set();
  for (const scope of m.scopes.values()) {
    for (const refs of scope.refs.values()) {
      // Every reference of a name in a scope denotes the same object: the first one tells.
      const r = refs[0];
      if (r && PLAIN_LOCKS.has(m.instanceOf(r) ?? '')) {
        const k = facts.objectIdentity(r);
        if (k) set.add(k);
      }
    }
  }
  plainCache.set(m, set);
  return set;
}

function releases(m: Model, facts: Facts, stmt: SyntaxNode, key: string): boolean {
  let found = false;
  walkOwn(stmt, (n) => {
    const mc = n.type === 'call' ? m.methodCall(n) : undefined;
    if (mc?.name === 'release' && facts.objectIdentity(mc.receiver) === key) found = true;
    return !found;
  });
  return found;
}

/** Where `fn` (or a function it calls) takes the lock, if it does. */
function takesLockIn(m: Model, facts: Facts, fn: FunctionInfo, key: string, env: Env, depth = 3, seen = new Set<FunctionInfo>()): SyntaxNode | undefined {
  if (seen.has(fn) || depth < 0) return undefined;
  seen.add(fn);
  let found: SyntaxNode | undefined;
  const body = child(fn.node, 'body');
  if (!body) return undefined;
  walkOwn(body, (n) => {
    if (found) return false;
    const t = takes(m, facts, n, env);
    if (t?.key === key) found = t.expr;
    return !found;
  });
  if (found) return found;
  for (const c of facts.callees(fn)) {
    const inner = takesLockIn(m, facts, c.fn, key, facts.argumentIdentities(c.call, c.fn, env), depth - 1, seen);
    if (inner) return inner;
  }
  return undefined;
}
