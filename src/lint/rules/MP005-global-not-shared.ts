import { factsOf, type Facts, type ProcessCreation, type PoolTask } from '../facts';
import type { FunctionInfo, Model } from '../model';
import type { Rule } from '../rule';
import { child, type SyntaxNode } from '../syntax';
import { useOf } from '../uses';
import { walkOwn } from './util';

const MUTATORS = new Set([
  'append',
  'extend',
  'insert',
  'update',
  'add',
  'setdefault',
  'pop',
  'popitem',
  'remove',
  'discard',
  'clear',
  'appendleft',
  'extendleft',
]);

/** Module-level values that are plain Python objects (each process has its own copy). */
const PLAIN_LITERALS = new Set(['list', 'dictionary', 'set', 'integer', 'float', 'string', 'true', 'false', 'none', 'tuple']);
const PLAIN_FACTORIES = new Set(['list', 'dict', 'set', 'int', 'float', 'str', 'defaultdict', 'Counter', 'deque', 'OrderedDict']);

/**
 * MP005: a function running in a child changes a module global, and the parent reads that global
 * after the child was joined, as if the change were shared. Each process has its own copy of module
 * globals: the parent still sees its own, unchanged value.
 */
export const globalNotShared: Rule = {
  code: 'MP005',
  name: 'global-not-shared',
  summary: "A child process changes a module global the parent then reads (globals aren't shared)",
  severity: 'warning',
  check(ctx) {
    const m = ctx.model;
    const facts = factsOf(m);
    for (const [fn, uses] of facts.childFunctions()) {
      for (const [name, mutation] of mutatedGlobals(m, fn)) {
        const read = parentRead(m, facts, name, fn, uses.creations, uses.tasks);
        if (!read) continue;
        ctx.report({
          start: mutation.start,
          end: mutation.end,
          message:
            `\`${name}\` is a module global changed in ${fn.name}(), which runs in a child process; the parent ` +
            `reads it afterwards (line ${m.lines.position(read.start).line + 1}) but sees its own unchanged copy. ` +
            'Send results back through a Queue, a Pipe, a Manager or a pool return value.',
          related: [{ start: read.start, end: read.end, message: `the parent reads ${name} here` }],
        });
      }
    }
  },
};

function mutatedGlobals(m: Model, fn: FunctionInfo): Map<string, SyntaxNode> {
  const out = new Map<string, SyntaxNode>();
  const note = (name: string, node: SyntaxNode) => {
    if (!out.has(name) && isPlainGlobal(m, name)) out.set(name, node);
  };
  const body = child(fn.node, 'body');
  if (!body) return out;
  walkOwn(body, (n) => {
    if (n.type === 'assignment' || n.type === 'augmented_assignment') {
      const left = child(n, 'left');
      if (left?.type === 'identifier' && fn.scope.globals.has(m.textOf(left))) note(m.textOf(left), n);
      if (left && (left.type === 'subscript' || left.type === 'attribute')) {
        const base = child(left, left.type === 'subscript' ? 'value' : 'object');
        if (base?.type === 'identifier' && m.lookupScope(m.textOf(base), m.scopeOf(base)) === m.module) note(m.textOf(base), n);
      }
    } else if (n.type === 'call') {
      const mc = m.methodCall(n);
      if (mc && MUTATORS.has(mc.name) && mc.receiver.type === 'identifier') {
        const name = m.textOf(mc.receiver);
        if (m.lookupScope(name, m.scopeOf(n)) === m.module) note(name, n);
      }
    }
    return true;
  });
  return out;
}

function isPlainGlobal(m: Model, name: string): boolean {
  const bindings = m.module.bindings.get(name);
  if (!bindings || bindings.length === 0) return false;
  return bindings.every((b) => {
    // Only module-level assignments count as the global's definition.
    if (!m.runsAtImport(b.node)) return true;
    if (b.kind !== 'assign' || !b.value || b.unpack) return false;
    const v = b.value;
    if (PLAIN_LITERALS.has(v.type)) return true;
    if (v.type === 'call') {
      const f = child(v, 'function');
      const name = f ? m.textOf(f).split('.').pop() ?? '' : '';
      return PLAIN_FACTORIES.has(name) && m.valueOf(f)?.kind !== 'function';
    }
    return false;
  });
}

/** A read of the global by the parent after the child was joined (or the pool call returned). */
function parentRead(
  m: Model,
  facts: Facts,
  name: string,
  fn: FunctionInfo,
  creations: ProcessCreation[],
  tasks: PoolTask[],
): SyntaxNode | undefined {
  const points: SyntaxNode[] = [];
  for (const c of creations) {
    // The point after which the parent expects the child's work to be done: a join of it.
    points.push(...facts.joinsOf(c));
  }
  for (const t of tasks) points.push(t.call);
  for (const point of points) {
    const owner = facts.ownerOf(point);
    for (const ref of m.refsOf(name, m.module)) {
      if (ref.start <= point.end) continue;
      if (facts.ownerOf(ref) !== owner || owner === fn) continue;
      const u = useOf(m, ref);
      if (u.kind === 'store') continue;
      if (u.kind === 'method' && MUTATORS.has(u.name)) continue;
      return ref;
    }
  }
  return undefined;
}
