import { appendedValue, factsOf } from '../facts';
import { addJoinFix, addJoinLoopFix } from '../fixes/addJoin';
import type { Model, Scope } from '../model';
import type { Rule } from '../rule';
import { child } from '../syntax';
import { useOf } from '../uses';

/**
 * MP002: a non-daemon Process is started and nothing ever joins it. Until the interpreter exits the
 * finished child stays a zombie, and at exit the parent silently waits for it.
 */
export const processNotJoined: Rule = {
  code: 'MP002',
  name: 'process-not-joined',
  summary: 'A non-daemon Process is started and never joined',
  severity: 'warning',
  check(ctx) {
    const m = ctx.model;
    const facts = factsOf(m);
    const containerCandidates: import('../facts').ProcessCreation[] = [];
    for (const c of facts.creations) {
      if (facts.isDaemon(c)) continue;
      const parent = c.call.parent;
      // Process(...).start(): no reference is kept, so it can never be joined.
      if (parent?.type === 'attribute' && c.call.field === 'object' && m.textOf(child(parent, 'attribute')!) === 'start') {
        const startCall = parent.parent;
        if (startCall?.type === 'call') {
          ctx.report({
            start: startCall.start,
            end: startCall.end,
            message:
              'This process is started without keeping a reference, so it can never be joined: it stays a zombie ' +
              'after it ends, and the program waits for it at exit. Keep it in a variable and call join().',
          });
        }
        continue;
      }
      const bound = facts.boundName(c.call);
      if (!bound) {
        containerCandidates.push(c);
        continue;
      }
      const verdict = follow(m, bound.name, bound.scope);
      if (verdict.handled || !verdict.start) continue;
      const fix = addJoinFix(m, verdict.start, bound.name);
      ctx.report({
        start: verdict.start.start,
        end: verdict.start.end,
        message:
          `Process \`${bound.name}\` is started but never joined: it stays a zombie after it ends, and the ` +
          'program waits for it at exit. Call join() (or make it a daemon if it may be killed at exit).',
        fixes: fix ? [fix] : undefined,
      });
    }
    // Processes kept in a list (`[Process(...) for ...]`, `procs.append(Process(...))`) and started in a loop.
    const seen = new Set<string>();
    for (const c of containerCandidates) {
      const container = containerOf(m, c.call);
      if (!container) continue;
      const key = `${container.name}@${container.scope.node.start}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (containerJoined(m, container.name, container.scope)) continue;
      const start = startLoopOf(m, container.name, container.scope);
      if (!start) continue;
      const fix = addJoinLoopFix(m, start.loop, container.name, start.loopVar);
      ctx.report({
        start: start.call.start,
        end: start.call.end,
        message:
          `The processes in \`${container.name}\` are started but never joined: each stays a zombie after it ends, ` +
          'and the program waits for them at exit. Join them (or make them daemons if they may be killed at exit).',
        fixes: fix ? [fix] : undefined,
      });
    }
  },
};

/** The list a creation goes into directly: `[Process(...) for ...]` assigned to a name, or `name.append(Process(...))`. */
function containerOf(m: Model, call: import('../syntax').SyntaxNode): { name: string; scope: Scope } | undefined {
  const p = call.parent;
  let id: import('../syntax').SyntaxNode | undefined;
  if (p?.type === 'list_comprehension' && call.field === 'body') {
    const assign = p.parent;
    if (assign?.type === 'assignment' && p.field === 'right') id = child(assign, 'left');
  } else if (p?.type === 'argument_list') {
    const f = p.parent ? child(p.parent, 'function') : undefined;
    if (f?.type === 'attribute' && m.textOf(child(f, 'attribute')!) === 'append') id = child(f, 'object');
  }
  if (!id || id.type !== 'identifier') return undefined;
  const found = m.bindingsOf(m.textOf(id), m.scopeOf(id));
  return found ? { name: m.textOf(id), scope: found.scope } : undefined;
}

/** `for v in name: ... v.start()`: the loop, its variable and the start call. */
function startLoopOf(m: Model, name: string, scope: Scope) {
  for (const ref of m.refsOf(name, scope)) {
    const loop = ref.parent;
    if (!loop || loop.type !== 'for_statement' || ref.field !== 'right') continue;
    const left = child(loop, 'left');
    const body = child(loop, 'body');
    if (!left || left.type !== 'identifier' || !body) continue;
    const v = m.textOf(left);
    for (const s of body.children) {
      const call = s.type === 'expression_statement' ? s.children[0] : undefined;
      const mc = call?.type === 'call' ? m.methodCall(call) : undefined;
      if (call && mc?.name === 'start' && mc.receiver.type === 'identifier' && m.textOf(mc.receiver) === v) {
        return { loop, loopVar: v, call };
      }
    }
  }
  return undefined;
}

/** What happens to a process variable: its first start(), and whether something joins or takes it. */
function follow(m: Model, name: string, scope: Scope, depth = 0): { start?: import('../syntax').SyntaxNode; handled: boolean } {
  let start: import('../syntax').SyntaxNode | undefined;
  for (const ref of m.refsOf(name, scope)) {
    const u = useOf(m, ref);
    if (u.kind === 'method') {
      if (u.name === 'start' && !start) start = u.call;
      if (u.name === 'join' || u.name === 'close') return { handled: true };
    } else if (u.kind === 'attr') {
      if (u.name === 'sentinel') return { handled: true };
    } else if (u.kind === 'escape') {
      // Appended to a list: handled if that list is joined; anything else is out of sight.
      const container = containerOfAppend(m, ref);
      if (!container || depth > 2 || containerJoined(m, container.name, container.scope)) return { handled: true };
    }
  }
  return { start, handled: false };
}

function containerOfAppend(m: Model, ref: import('../syntax').SyntaxNode): { name: string; scope: Scope } | undefined {
  const args = ref.parent;
  const call = args?.parent;
  const fn = call ? child(call, 'function') : undefined;
  if (!fn || fn.type !== 'attribute') return undefined;
  const obj = child(fn, 'object');
  if (!obj || obj.type !== 'identifier') return undefined;
  if (appendedValue(m, obj) !== ref) return undefined;
  const name = m.textOf(obj);
  const found = m.bindingsOf(name, m.scopeOf(obj));
  return found ? { name, scope: found.scope } : undefined;
}

/** True if a list of processes is joined in a loop, or handed somewhere else. */
function containerJoined(m: Model, name: string, scope: Scope): boolean {
  // A list that came from elsewhere (a parameter, a context manager, a call) may be joined there.
  const bindings = scope.bindings.get(name) ?? [];
  const local = bindings.length > 0 && bindings.every((b) => {
    const v = b.value;
    if (b.kind !== 'assign' || !v || b.unpack) return false;
    if (v.type === 'list' || v.type === 'list_comprehension') return true;
    return v.type === 'call' && m.textOf(v) === 'list()';
  });
  if (!local) return true;
  for (const ref of m.refsOf(name, scope)) {
    const u = useOf(m, ref);
    if (u.kind === 'escape') return true;
    if (u.kind === 'method' && u.name !== 'append' && u.name !== 'add') return true;
    // for p in procs: ... p.join()  /  [p.join() for p in procs]
    const loop = ref.parent;
    if (loop && (loop.type === 'for_statement' || loop.type === 'for_in_clause') && ref.field === 'right') {
      const left = child(loop, 'left');
      if (!left || left.type !== 'identifier') return true;
      const v = m.textOf(left);
      const body = loop.type === 'for_statement' ? child(loop, 'body') : loop.parent;
      let joined = false;
      if (body) {
        const stack = [body];
        while (stack.length && !joined) {
          const n = stack.pop()!;
          if (n.type === 'call') {
            const mc = m.methodCall(n);
            if (mc && (mc.name === 'join' || mc.name === 'close') && mc.receiver.type === 'identifier' && m.textOf(mc.receiver) === v) joined = true;
          }
          for (const c of n.children) stack.push(c);
        }
      }
      if (joined) return true;
    }
  }
  return false;
}
