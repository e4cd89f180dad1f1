import { factsOf, type ProcessCreation } from '../facts';
import { moveJoinFix } from '../fixes/moveJoin';
import type { Model, Scope } from '../model';
import { MP_QUEUES } from '../names';
import type { Rule } from '../rule';
import { child, type SyntaxNode } from '../syntax';
import { following, preceding, walkOwn } from './util';

/**
 * MP003: the parent joins a child before reading the Queue the child puts to. A child that has put
 * data does not exit until its feeder thread has pushed it all into the pipe; with more than a pipe
 * buffer of data, join() waits for the child and the child waits for the parent: deadlock (the
 * "joining processes that use queues" warning of the multiprocessing docs).
 */
export const joinBeforeDrain: Rule = {
  code: 'MP003',
  name: 'join-before-queue-drained',
  summary: 'A process is joined before the Queue it puts to is drained',
  severity: 'warning',
  check(ctx) {
    const m = ctx.model;
    const facts = factsOf(m);
    for (const call of m.callsNamed('join')) {
      const mc = m.methodCall(call);
      if (!mc || mc.name !== 'join' || mc.receiver.type !== 'identifier') continue;
      if ((m.positional(call) ?? [1]).length > 0 || child(call, 'arguments')?.children.some((c) => c.type === 'keyword_argument')) continue;
      const stmt = call.parent;
      if (!stmt || stmt.type !== 'expression_statement') continue;
      const creations = facts.creationsOf(mc.receiver);
      if (creations.length === 0) continue;
      // `for p in procs: p.join()` moves as a whole.
      const procName = m.textOf(mc.receiver);
      let unit: SyntaxNode = stmt;
      const loop = stmt.parent?.parent;
      if (loop?.type === 'for_statement' && stmt.parent?.field === 'body') {
        const left = child(loop, 'left');
        if (left && left.type === 'identifier' && m.textOf(left) === procName) unit = loop;
      }
      const queues = queuesWritten(m, creations);
      if (queues.size === 0) continue;
      const before = preceding(unit);
      const after = following(unit);
      for (const [key, qname] of queues) {
        if (before.some((s) => findGet(m, s, key))) continue; // drained first already
        let lastGetStmt: SyntaxNode | undefined;
        let firstGet: SyntaxNode | undefined;
        for (const s of after) {
          const g = findGet(m, s, key);
          if (g) {
            lastGetStmt = s;
            firstGet ??= g;
          }
        }
        if (!firstGet || !lastGetStmt) continue;
        const names = [procName];
        const iter = unit.type === 'for_statement' ? child(unit, 'right') : undefined;
        if (iter?.type === 'identifier') names.push(m.textOf(iter));
        const fix = moveJoinFix(m, unit, lastGetStmt, names);
        ctx.report({
          start: call.start,
          end: call.end,
          message:
            `\`${m.textOf(call)}\` waits for a child that puts to \`${qname}\`, which is only read afterwards ` +
            `(line ${m.lines.position(firstGet.start).line + 1}). A child does not exit until what it put is ` +
            'consumed, so with enough data this deadlocks. Drain the queue before joining.',
          related: [{ start: firstGet.start, end: firstGet.end, message: 'the queue is read here, after the join' }],
          fixes: fix ? [fix] : undefined,
        });
        break;
      }
    }
  },
};

/** Queues (by binding key) that the children of these creations put to. */
function queuesWritten(m: Model, creations: ProcessCreation[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of creations) {
    const fn = c.targetFn;
    if (!fn) continue;
    const putsTo = new Set<string>(); // parameter names or module globals the child puts to
    walkOwn(fn.node, (n) => {
      if (n.type !== 'call') return true;
      const mc = m.methodCall(n);
      if (mc && (mc.name === 'put' || mc.name === 'put_nowait') && mc.receiver.type === 'identifier') {
        const name = m.textOf(mc.receiver);
        const found = m.bindingsOf(name, m.scopeOf(n));
        if (found?.scope === fn.scope) putsTo.add(`param:${name}`);
        else if (found?.scope === m.module && MP_QUEUES.has(m.instanceOf(mc.receiver) ?? '')) putsTo.add(`global:${name}`);
      }
      return true;
    });
    for (const [param, expr] of c.paramArgs) {
      if (!putsTo.has(`param:${param}`) || expr.type !== 'identifier') continue;
      if (!MP_QUEUES.has(m.instanceOf(expr) ?? '')) continue;
      const key = bindingKey(m, expr);
      if (key) out.set(key, m.textOf(expr));
    }
    for (const p of putsTo) {
      if (p.startsWith('global:')) out.set(`${p.slice(7)}@module`, p.slice(7));
    }
  }
  return out;
}

function bindingKey(m: Model, id: SyntaxNode, scope?: Scope): string | undefined {
  const name = m.textOf(id);
  const found = m.bindingsOf(name, scope ?? m.scopeOf(id));
  if (!found) return undefined;
  return found.scope === m.module ? `${name}@module` : `${name}@${found.scope.node.start}`;
}

/** A `q.get(...)` on the queue with this key inside a statement (same function). */
function findGet(m: Model, stmt: SyntaxNode, key: string): SyntaxNode | undefined {
  let found: SyntaxNode | undefined;
  walkOwn(stmt, (n) => {
    if (found) return false;
    if (n.type === 'call') {
      const mc = m.methodCall(n);
      if (mc && (mc.name === 'get' || mc.name === 'get_nowait') && mc.receiver.type === 'identifier') {
        if (bindingKey(m, mc.receiver) === key) found = n;
      }
    }
    return true;
  });
  return found;
}
