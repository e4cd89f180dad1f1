// How a variable is used at one reference: as the receiver of a method call, read for an
// attribute, handed somewhere else (escapes: the rules then stop following it), or just read.
import type { Model, Scope } from './model';
import { child, type SyntaxNode } from './syntax';

export type Use =
  | { kind: 'method'; name: string; call: SyntaxNode }
  | { kind: 'attr'; name: string; node: SyntaxNode; store: boolean }
  | { kind: 'store' }
  | { kind: 'escape'; node: SyntaxNode }
  | { kind: 'read' };

/** Builtins that look at an object without keeping it. */
const HARMLESS_CALLS = new Set(['print', 'len', 'str', 'repr', 'isinstance', 'type', 'id', 'hash', 'bool', 'format']);

export function useOf(m: Model, ref: SyntaxNode): Use {
  const p = ref.parent;
  if (!p) return { kind: 'read' };
  if (m.isBindingNode(ref)) return { kind: 'store' };
  switch (p.type) {
    case 'attribute': {
      if (ref.field !== 'object') return { kind: 'read' };
      const name = m.textOf(child(p, 'attribute')!);
      const gp = p.parent;
      if (gp?.type === 'call' && p.field === 'function') return { kind: 'method', name, call: gp };
      const store = gp?.type === 'assignment' && p.field === 'left';
      return { kind: 'attr', name, node: p, store: !!store };
    }
    case 'argument_list': {
      const call = p.parent;
      const fn = call ? child(call, 'function') : undefined;
      if (fn && fn.type === 'identifier' && HARMLESS_CALLS.has(m.textOf(fn))) return { kind: 'read' };
      return { kind: 'escape', node: p };
    }
    case 'keyword_argument':
    case 'return_statement':
    case 'yield':
    case 'list':
    case 'tuple':
    case 'set':
    case 'pair':
    case 'expression_list':
    case 'list_splat':
    case 'dictionary_splat':
    case 'lambda':
    case 'global_statement':
    case 'nonlocal_statement':
      return { kind: 'escape', node: p };
    case 'assignment':
    case 'augmented_assignment':
      return ref.field === 'right' ? { kind: 'escape', node: p } : { kind: 'store' };
    default:
      return { kind: 'read' };
  }
}

/** Method calls `name.<method>(...)` on a variable, in document order. */
export function methodCalls(m: Model, name: string, scope: Scope, methods?: ReadonlySet<string> | string): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const ref of m.refsOf(name, scope)) {
    const u = useOf(m, ref);
    if (u.kind !== 'method') continue;
    if (methods === undefined || (typeof methods === 'string' ? u.name === methods : methods.has(u.name))) out.push(u.call);
  }
  return out;
}

/** True if a variable is handed to something the rules cannot follow. */
export function escapes(m: Model, name: string, scope: Scope): boolean {
  return m.refsOf(name, scope).some((ref) => useOf(m, ref).kind === 'escape');
}
