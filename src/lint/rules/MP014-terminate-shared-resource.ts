import { factsOf, type ProcessCreation } from '../facts';
import type { Model } from '../model';
import { MP_QUEUES, SYNC_PRIMITIVES } from '../names';
import type { Rule } from '../rule';
import { walkOwn } from './util';
import { child, type SyntaxNode } from '../syntax';


/**
 * MP014: terminate()/kill() on a process that uses a Queue, a Pipe or a lock. The process dies at
 * once, without running finally blocks: a lock it holds is never released, and a queue or pipe it
 * was writing may be left corrupted (a warning in the multiprocessing docs).
 */
export const terminateSharedResource: Rule = {
  code: 'MP014',
  name: 'terminate-shared-resource',
  summary: 'terminate() on a process that uses a Queue, Pipe or lock',
  severity: 'warning',
  check(ctx) {
    const m = ctx.model;
    const facts = factsOf(m);
    for (const call of ['terminate', 'kill'].flatMap((n) => m.callsNamed(n))) {
      const mc = m.methodCall(call);
      if (!mc || (mc.name !== 'terminate' && mc.name !== 'kill')) continue;
      const creations = facts.creationsOf(mc.receiver);
      const used = new Set<string>();
      for (const c of creations) for (const r of resources(m, c)) used.add(r);
      // A queue or pipe the parent already closed is used by no one after the terminate().
      for (const name of [...used]) if (closedBefore(m, name, call)) used.delete(name);
      if (used.size === 0) continue;
      const list = [...used].slice(0, 3).map((r) => `\`${r}\``).join(', ');
      ctx.report({
        start: call.start,
        end: call.end,
        message:
          `${mc.name}() stops the process at once while it uses ${list}: a lock it holds is never released and ` +
          'a queue or pipe it was writing may be corrupted, blocking the other processes. Ask it to stop instead ' +
          '(a sentinel or an Event) and join it; terminate only as a last resort.',
      });
    }
  },
};

/** True if the parent calls `<name>.close()` before `at`, in the same function. */
function closedBefore(m: Model, name: string, at: SyntaxNode): boolean {
  const scope = m.lookupScope(name, m.scopeOf(at));
  if (!scope) return false;
  return m.refsOf(name, scope).some((r) => {
    if (r.start >= at.start) return false;
    const attr = r.parent;
    return attr?.type === 'attribute' && r.field === 'object' && m.textOf(child(attr, 'attribute')!) === 'close' && attr.parent?.type === 'call';
  });
}

/** Methods through which a child holds or writes a resource (what terminate() can interrupt). */
const HAZARD_USES: Record<string, ReadonlySet<string>> = {
  lock: new Set(['acquire']),
  queue: new Set(['put', 'put_nowait', 'get', 'get_nowait']),
  connection: new Set(['send', 'send_bytes', 'recv', 'recv_bytes']),
};

function kindOf(of: string): keyof typeof HAZARD_USES | undefined {
  if (MP_QUEUES.has(of)) return 'queue';
  if (of === 'multiprocessing.Connection') return 'connection';
  if (SYNC_PRIMITIVES.has(of)) return 'lock';
  return undefined;
}

/** Queues, pipes and locks the child actually holds or writes (acquire/with, put/get, send/recv). */
function resources(m: Model, c: ProcessCreation): string[] {
  const out: string[] = [];
  const fn = c.targetFn;
  if (!fn) return out;
  const body = child(fn.node, 'body');
  if (!body) return out;
  // Parameter name -> the parent's expression, for those that are queues, pipes or locks.
  const watched = new Map<string, { text: string; kind: keyof typeof HAZARD_USES }>();
  for (const [param, arg] of c.paramArgs) {
    const kind = kindOf(m.instanceOf(arg) ?? '');
    if (kind) watched.set(param, { text: m.textOf(arg), kind });
  }
  walkOwn(body, (n) => {
    let receiver: SyntaxNode | undefined;
    let method: string | undefined;
    if (n.type === 'call') {
      const mc = m.methodCall(n);
      if (mc) {
        receiver = mc.receiver;
        method = mc.name;
      }
    } else if (n.type === 'with_item') {
      receiver = child(n, 'value');
      method = 'acquire';
    }
    if (!receiver || receiver.type !== 'identifier' || !method) return true;
    const name = m.textOf(receiver);
    const scope = m.lookupScope(name, m.scopeOf(receiver));
    let res: { text: string; kind: keyof typeof HAZARD_USES } | undefined;
    if (scope === fn.scope) res = watched.get(name);
    else if (scope === m.module) {
      const kind = kindOf(m.instanceOf(receiver) ?? '');
      if (kind) res = { text: name, kind };
    }
    if (res && HAZARD_USES[res.kind].has(method)) out.push(res.text);
    return true;
  });
  return out;
}
