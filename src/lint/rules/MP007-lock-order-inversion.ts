import type { Model } from '../model';
import { LOCKS, SYNC_PRIMITIVES } from '../names';
import type { Rule } from '../rule';
import { child, type SyntaxNode } from '../syntax';
import { following, walkOwn } from './util';
import { factsOf } from '../facts';

interface Nesting {
  outer: string;
  inner: string;
  /** Where the inner lock is taken while the outer one is held. */
  at: SyntaxNode;
  fn: string;
}

/**
 * MP007: two functions of the same file take the same two locks in opposite nested orders (A then
 * B, and B then A). If they run at the same time in two processes or threads, each can hold one
 * lock and wait forever for the other. This is a potential deadlock, not one that happened.
 */
export const lockOrderInversion: Rule = {
  code: 'MP007',
  name: 'lock-order-inversion',
  summary: 'Two functions take the same two locks in opposite orders (potential deadlock)',
  severity: 'warning',
  check(ctx) {
    const m = ctx.model;
    const nestings: Nesting[] = [];
    for (const fn of m.functions) {
      const body = child(fn.node, 'body');
      if (body) collect(m, body, [], fn.name, nestings);
    }
    const reported = new Set<string>();
    const byPair = new Map<string, Nesting[]>();
    for (const n of nestings) {
      const k = `${n.outer}\u0000${n.inner}`;
      const list = byPair.get(k) ?? [];
      list.push(n);
      byPair.set(k, list);
    }
    for (const b of nestings) {
      for (const a of byPair.get(`${b.inner}\u0000${b.outer}`) ?? []) {
        if (a === b || a.fn === b.fn) continue;
        if (a.at.start >= b.at.start) continue; // report once, at the later one
        const pair = [a.outer, a.inner].sort().join('|');
        if (reported.has(pair)) continue;
        reported.add(pair);
        const show = (k: string) => {
          const bare = k.slice(k.indexOf(':') + 1);
          return bare.includes('@') ? bare.slice(0, bare.indexOf('@')) : bare;
        };
        ctx.report({
          start: b.at.start,
          end: b.at.end,
          message:
            `${b.fn}() takes \`${show(b.inner)}\` while holding \`${show(b.outer)}\`, but ${a.fn}() (line ` +
            `${m.lines.position(a.at.start).line + 1}) takes them in the opposite order. Run concurrently, each can ` +
            'hold one lock and wait forever for the other. Always take them in one order.',
          related: [{ start: a.at.start, end: a.at.end, message: `${a.fn}() takes the locks in the other order here` }],
        });
      }
    }
  },
};

const STATEMENT_HOLDERS = new Set([
  'block',
  'if_statement',
  'elif_clause',
  'else_clause',
  'for_statement',
  'while_statement',
  'try_statement',
  'except_clause',
  'except_group_clause',
  'finally_clause',
  'match_statement',
  'case_clause',
]);

/** Records, for every lock taken while others are held, the (outer, inner) pairs. */
function collect(m: Model, node: SyntaxNode, held: string[], fn: string, out: Nesting[]): void {
  for (const stmt of node.children) {
    if (stmt.type === 'with_statement') {
      const taken: string[] = [];
      const clause = stmt.children.find((c) => c.type === 'with_clause');
      for (const item of clause?.children.filter((c) => c.type === 'with_item') ?? []) {
        const value = child(item, 'value');
        const expr = value?.type === 'as_pattern' ? value.children.find((c) => c.named && c.field !== 'alias') : value;
        const key = expr ? lockOf(m, expr) : undefined;
        if (!key || !expr) continue;
        for (const h of [...held, ...taken]) if (h !== key) out.push({ outer: h, inner: key, at: expr, fn });
        taken.push(key);
      }
      const body = child(stmt, 'body');
      if (body) collect(m, body, [...held, ...taken], fn, out);
      continue;
    }
    if (stmt.type === 'expression_statement') {
      const call = stmt.children[0];
      const mc = call?.type === 'call' ? m.methodCall(call) : undefined;
      if (mc?.name === 'acquire') {
        const key = lockOf(m, mc.receiver);
        if (key) {
          for (const h of held) if (h !== key) out.push({ outer: h, inner: key, at: mc.receiver, fn });
          // Held until a release() of it later in the same block.
          const rest = following(stmt);
          const releaseAt = rest.findIndex((s) => {
            let rel = false;
            walkOwn(s, (n) => {
              const x = n.type === 'call' ? m.methodCall(n) : undefined;
              if (x?.name === 'release' && lockOf(m, x.receiver) === key) rel = true;
              return !rel;
            });
            return rel;
          });
          const region = releaseAt >= 0 ? rest.slice(0, releaseAt) : rest;
          const wrapper: SyntaxNode = { ...stmt, children: region };
          collect(m, wrapper, [...held, key], fn, out);
        }
        continue;
      }
    }
    if (stmt.type === 'function_definition' || stmt.type === 'class_definition' || stmt.type === 'decorated_definition') continue;
    // Nested acquisitions inside if/for/while/try bodies count too (statements only: locks are
    // taken by statements, so expressions need not be searched).
    if (STATEMENT_HOLDERS.has(stmt.type)) collect(m, stmt, held, fn, out);
  }
}

function lockOf(m: Model, expr: SyntaxNode): string | undefined {
  const of = m.instanceOf(expr);
  if (!of || !(LOCKS.has(of) || SYNC_PRIMITIVES.has(of))) return undefined;
  return factsOf(m).objectIdentity(expr);
}
