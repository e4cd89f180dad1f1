import type { ClassInfo, Model } from '../model';
import { PROCESS } from '../names';
import type { Rule } from '../rule';
import { child, walk } from '../syntax';
import { walkOwn } from './util';

/**
 * MP020: a Process subclass sets `self.<attr>` in run(), and the parent reads `<proc>.<attr>`.
 * run() executes in the child, on the child's copy of the object: the parent's object never sees
 * the value (it keeps whatever __init__ set).
 */
export const processAttributeSetInChild: Rule = {
  code: 'MP020',
  name: 'process-attribute-set-in-child',
  summary: 'An attribute set in Process.run() is read in the parent (it is never updated there)',
  severity: 'warning',
  check(ctx) {
    const m = ctx.model;
    // Attributes each Process subclass sets in run().
    const setInRun = new Map<ClassInfo, Set<string>>();
    for (const cls of m.classes) {
      if (m.classCanonical(cls) !== PROCESS) continue;
      const run = cls.methods.get('run');
      const self = run?.params[0];
      const body = run ? child(run.node, 'body') : undefined;
      if (!run || !self || !body) continue;
      const attrs = new Set<string>();
      walkOwn(body, (n) => {
        if (n.type === 'assignment' || n.type === 'augmented_assignment') {
          const left = child(n, 'left');
          const obj = left?.type === 'attribute' ? child(left, 'object') : undefined;
          if (obj?.type === 'identifier' && m.textOf(obj) === self) attrs.add(m.textOf(child(left!, 'attribute')!));
        }
        return true;
      });
      if (attrs.size) setInRun.set(cls, attrs);
    }
    if (setInRun.size === 0) return;
    const names = new Set([...setInRun.values()].flatMap((s) => [...s]));
    walk(m.root, (n) => {
      if (n.type !== 'attribute') return true;
      const attr = child(n, 'attribute');
      const obj = child(n, 'object');
      if (!attr || !obj || !names.has(m.textOf(attr))) return true;
      if (n.parent?.type === 'assignment' && n.field === 'left') return true;
      const v = m.valueOf(obj);
      if (v?.kind !== 'instance' || !v.cls) return true;
      for (const [cls, attrs] of setInRun) {
        if (!attrs.has(m.textOf(attr)) || insideClass(m, n, cls) || !derives(m, v.cls, cls)) continue;
        // Methods of a subclass run on the same object, in the child when called from run().
        const fn = m.functionOf(n);
        if (fn?.cls && derives(m, fn.cls, cls)) continue;
        ctx.report({
          start: n.start,
          end: n.end,
          message:
            `\`${m.textOf(attr)}\` is set in ${cls.name}.run(), which runs in the child process on its own copy of ` +
            'the object; the parent never sees that value. Send it back through a Queue, a Pipe or a Manager.',
        });
        break;
      }
      return true;
    });
  },
};

function insideClass(m: Model, node: import('../syntax').SyntaxNode, cls: ClassInfo): boolean {
  return cls.node.start <= node.start && node.end <= cls.node.end;
}

function derives(m: Model, c: ClassInfo, base: ClassInfo, depth = 0): boolean {
  if (c === base) return true;
  if (depth > 5) return false;
  return c.bases.some((b) => {
    const v = m.valueOf(b);
    return v?.kind === 'class' && derives(m, v.cls, base, depth + 1);
  });
}
