import { POPEN } from '../names';
import type { Model, Scope } from '../model';
import type { Rule } from '../rule';
import { child, type SyntaxNode } from '../syntax';
import { useOf } from '../uses';

/**
 * MP015: `Popen(..., stdout=PIPE)` (or stderr=PIPE) followed by wait() with that pipe unread. When
 * the child writes more than the pipe buffer holds (64 KiB on Linux), it blocks writing while the
 * parent blocks in wait(): deadlock. communicate() reads the pipes while waiting.
 */
export const popenWaitWithPipe: Rule = {
  code: 'MP015',
  name: 'popen-wait-with-pipe',
  summary: 'Popen(stdout=PIPE) followed by wait() instead of communicate()',
  severity: 'warning',
  check(ctx) {
    const m = ctx.model;
    for (const call of m.calls) {
      const v = m.valueOf(call);
      if (v?.kind !== 'instance' || v.of !== POPEN || v.call !== call) continue;
      const piped = ['stdout', 'stderr'].filter((s) => {
        const arg = m.keyword(call, s);
        const val = arg ? m.valueOf(arg) : undefined;
        return val?.kind === 'name' && val.q === 'subprocess.PIPE';
      });
      if (piped.length === 0) continue;
      const holder = holderOf(m, call);
      if (!holder) continue;
      const refs = m.refsOf(holder.name, holder.scope);
      for (const ref of refs) {
        const u = useOf(m, ref);
        if (u.kind === 'escape') break;
        if (u.kind !== 'method' || u.name !== 'wait') continue;
        // Streams read (or communicate() called) before this wait().
        const before = refs.filter((r) => r.start < ref.start).map((r) => useOf(m, r));
        if (before.some((b) => b.kind === 'method' && b.name === 'communicate')) break;
        // After terminate()/kill() the child is not writing any more.
        if (before.some((b) => b.kind === 'method' && (b.name === 'terminate' || b.name === 'kill' || b.name === 'send_signal'))) break;
        if (before.some((b) => b.kind === 'escape')) break;
        const unread = piped.filter((s) => !before.some((b) => b.kind === 'attr' && b.name === s));
        if (unread.length === 0) break;
        ctx.report({
          start: u.call.start,
          end: u.call.end,
          message:
            `\`${holder.name}.wait()\` with ${unread.map((s) => `${s}=PIPE`).join(' and ')} not read: once the child ` +
            'writes more than the pipe buffer holds it blocks, and wait() never returns. Use communicate(), which ' +
            'reads the pipes while waiting.',
        });
        break;
      }
    }
  },
};

/** The variable a Popen goes into: `p = Popen(...)` or `with Popen(...) as p:`. */
function holderOf(m: Model, call: SyntaxNode): { name: string; scope: Scope } | undefined {
  const p = call.parent;
  let id: SyntaxNode | undefined;
  if (p?.type === 'assignment' && call.field === 'right') id = child(p, 'left');
  else if (p?.type === 'as_pattern') id = child(p, 'alias')?.children.find((c) => c.named);
  if (!id || id.type !== 'identifier') return undefined;
  const found = m.bindingsOf(m.textOf(id), m.scopeOf(id));
  return found ? { name: m.textOf(id), scope: found.scope } : undefined;
}
