import { factsOf } from '../facts';
import { escapes } from '../uses';
import { withLockFix } from '../fixes/withLock';
import type { Model } from '../model';
import { LOCKS, SYNC_PRIMITIVES } from '../names';
import type { Rule } from '../rule';
import { child, type SyntaxNode } from '../syntax';
import { following, inFinally, mayJump, someOwn, walkOwn } from './util';

/**
 * MP006: `lock.acquire()` whose release() is not reached on every path. If anything between
 * acquire() and release() raises (or returns), the lock stays held and every other process or
 * thread waiting for it blocks forever. `with lock:` (or try/finally) releases it on every path.
 */
export const lockNotReleased: Rule = {
  code: 'MP006',
  name: 'lock-not-released',
  summary: 'lock.acquire() without a release() on every path (use `with lock:`)',
  severity: 'warning',
  check(ctx) {
    const m = ctx.model;
    const facts = factsOf(m);
    for (const call of m.callsNamed('acquire')) {
      const mc = m.methodCall(call);
      if (!mc || mc.name !== 'acquire') continue;
      const stmt = call.parent;
      if (!stmt || stmt.type !== 'expression_statement' || stmt.children[0] !== call) continue;
      if (inFinally(call)) continue;
      const lockText = m.textOf(mc.receiver);
      // Only objects known to be locks (Lock, RLock, Semaphore, Condition of multiprocessing,
      // threading or a Manager): an unknown object with acquire()/release() may be anything.
      if (!SYNC_PRIMITIVES.has(m.instanceOf(mc.receiver) ?? '')) continue;
      // Acquired here, released by another thread or process: a handshake, not a critical section.
      const identity = facts.objectIdentity(mc.receiver);
      if (identity && !facts.isMutexLike(identity)) continue;
      const known = LOCKS.has(m.instanceOf(mc.receiver) ?? '');
      const rest = following(stmt);
      // acquire(); try: ... finally: release()  -- correct.
      const next = rest[0];
      if (next?.type === 'try_statement' && releasesInFinally(m, next, lockText)) continue;
      const releaseIdx = rest.findIndex((s) => isRelease(m, s, lockText));
      if (releaseIdx >= 0) {
        const between = rest.slice(0, releaseIdx);
        if (!riskyCall(m, between) && !mayJump(between)) continue; // nothing in between can fail
        if (between.some((s) => s.type === 'try_statement' && releasesInHandlers(m, s, lockText))) continue;
        const fix = call.children.some((c) => c.type === 'argument_list' && c.children.some((a) => a.named))
          ? undefined
          : withLockFix(m, stmt, rest[releaseIdx], lockText);
        ctx.report({
          start: call.start,
          end: call.end,
          message:
            `If the code between \`${lockText}.acquire()\` and \`${lockText}.release()\` raises or returns, the lock ` +
            'is never released and everyone waiting for it blocks forever. Use `with ' + lockText + ':` (or try/finally).',
          fixes: fix ? [fix] : undefined,
        });
        continue;
      }
      // No release after it in this block. A known lock held in a plain variable is then never
      // released by this function at all; attributes and parameters may follow a wider protocol.
      if (!known || mc.receiver.type !== 'identifier') continue;
      const fnNode = m.functionOf(call)?.node ?? m.root;
      if (releasedAnywhere(m, fnNode, lockText)) continue;
      // Handed to another thread or process (`Thread(target=f, args=(lock,))`): it may release it.
      const found = m.bindingsOf(lockText, m.scopeOf(mc.receiver));
      if (found && escapes(m, lockText, found.scope)) continue;
      ctx.report({
        start: call.start,
        end: call.end,
        message: `\`${lockText}\` is acquired here and never released in this function. Use \`with ${lockText}:\`.`,
      });
    }
  },
};

function isRelease(m: Model, stmt: SyntaxNode, lockText: string): boolean {
  if (stmt.type !== 'expression_statement') return false;
  const call = stmt.children[0];
  if (!call || call.type !== 'call') return false;
  const mc = m.methodCall(call);
  return !!mc && mc.name === 'release' && m.textOf(mc.receiver) === lockText;
}

function releasesInFinally(m: Model, tryStmt: SyntaxNode, lockText: string): boolean {
  const fin = tryStmt.children.find((c) => c.type === 'finally_clause');
  if (!fin) return false;
  let found = false;
  walkOwn(fin, (n) => {
    if (n.type === 'call') {
      const mc = m.methodCall(n);
      if (mc?.name === 'release' && m.textOf(mc.receiver) === lockText) found = true;
    }
    return !found;
  });
  return found;
}

/** Methods of synchronisation objects (notify, set, release...): not what leaves a lock held. */
const SYNC_METHODS = new Set(['acquire', 'release', 'notify', 'notify_all', 'wait', 'wait_for', 'set', 'clear', 'is_set', 'locked']);

/** True if the statements make a call that can realistically raise (anything but sync-object methods). */
function riskyCall(m: Model, stmts: SyntaxNode[]): boolean {
  return stmts.some((s) =>
    someOwn(s, (n) => {
      if (n.type !== 'call') return false;
      const mc = m.methodCall(n);
      return !(mc && SYNC_METHODS.has(mc.name));
    }),
  );
}

/** try/except that releases the lock in its handlers (then re-raises): already careful. */
function releasesInHandlers(m: Model, tryStmt: SyntaxNode, lockText: string): boolean {
  return tryStmt.children.some((c) => (c.type === 'except_clause' || c.type === 'finally_clause') && releasedAnywhere(m, c, lockText));
}

function releasedAnywhere(m: Model, fnNode: SyntaxNode, lockText: string): boolean {
  let found = false;
  const body = child(fnNode, 'body') ?? fnNode;
  walkOwn(body, (n) => {
    if (found) return false;
    if (n.type === 'call') {
      const mc = m.methodCall(n);
      if (mc?.name === 'release' && m.textOf(mc.receiver) === lockText) found = true;
    }
    return true;
  });
  return found;
}
