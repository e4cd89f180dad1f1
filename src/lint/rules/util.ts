// Small structural helpers shared by the rules.
import type { Model } from '../model';
import type { RuleContext, Severity } from '../rule';
import { child, type SyntaxNode } from '../syntax';

/** Statements of a block or module (comments left out). */
export function statements(block: SyntaxNode): SyntaxNode[] {
  return block.children.filter((c) => c.named && c.type !== 'comment');
}

/** The block (or module) directly holding a statement. */
export function blockOf(stmt: SyntaxNode): SyntaxNode | undefined {
  const p = stmt.parent;
  return p && (p.type === 'block' || p.type === 'module') ? p : undefined;
}

/** Statements after `stmt` in its block. */
export function following(stmt: SyntaxNode): SyntaxNode[] {
  const block = blockOf(stmt);
  if (!block) return [];
  const list = statements(block);
  return list.slice(list.indexOf(stmt) + 1);
}

/** Statements before `stmt` in its block. */
export function preceding(stmt: SyntaxNode): SyntaxNode[] {
  const block = blockOf(stmt);
  if (!block) return [];
  const list = statements(block);
  return list.slice(0, list.indexOf(stmt));
}

const NESTED_SCOPES = new Set(['function_definition', 'class_definition', 'lambda']);

/** Visits the nodes of `node` without entering nested functions, classes or lambdas. */
export function walkOwn(node: SyntaxNode, visit: (n: SyntaxNode) => boolean | void): void {
  const stack = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (n !== node && NESTED_SCOPES.has(n.type)) continue;
    if (visit(n) === false) continue;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
}

/** True if some node under `node` (same function) satisfies `pred`. */
export function someOwn(node: SyntaxNode, pred: (n: SyntaxNode) => boolean): boolean {
  let found = false;
  walkOwn(node, (n) => {
    if (found) return false;
    if (pred(n)) {
      found = true;
      return false;
    }
    return true;
  });
  return found;
}

const JUMPS = new Set(['return_statement', 'raise_statement', 'break_statement', 'continue_statement', 'yield', 'await']);

/** True if running `nodes` may leave them early (return, raise, break, continue, yield, await). */
export function mayJump(nodes: SyntaxNode[]): boolean {
  return nodes.some((n) => someOwn(n, (x) => JUMPS.has(x.type)));
}

/** True if `nodes` contain a call (anything that can raise in practice). */
export function hasCall(nodes: SyntaxNode[]): boolean {
  return nodes.some((n) => someOwn(n, (x) => x.type === 'call'));
}

/** The statement's indentation (the text between its line start and its first character). */
export function indentOf(m: Model, node: SyntaxNode): string {
  const lineStart = m.lines.lineStartOf(node.start);
  return m.text.slice(lineStart, node.start);
}

/** True if only whitespace precedes the node on its line. */
export function startsLine(m: Model, node: SyntaxNode): boolean {
  return indentOf(m, node).trim() === '';
}

/** Severity of a problem that only bites under spawn/forkserver. */
export function spawnSeverity(ctx: RuleContext): Severity {
  return ctx.startMethod === 'fork' ? 'warning' : 'error';
}

/** Phrase naming the start method assumed, for messages. */
export function startMethodPhrase(ctx: RuleContext): string {
  if (ctx.startMethodExplicit) return `with the '${ctx.startMethod}' start method`;
  return ctx.startMethod === 'fork'
    ? "(fine with Linux's 'fork' default before Python 3.14, but not with spawn/forkserver: Windows, macOS, Linux from 3.14)"
    : `with this platform's '${ctx.startMethod}' default`;
}

/** The name of an identifier or `self.attr` expression, for messages. */
export function nameOf(m: Model, expr: SyntaxNode | undefined): string {
  return expr ? m.textOf(expr) : '?';
}

/** True for `while True:` / `while 1:` loops. */
export function isInfiniteLoop(m: Model, node: SyntaxNode): boolean {
  if (node.type !== 'while_statement') return false;
  const cond = child(node, 'condition');
  if (!cond) return false;
  if (cond.type === 'true') return true;
  if (cond.type === 'integer') return m.textOf(cond) !== '0';
  return false;
}

/** The innermost loop holding a node within the same function, if any. */
export function enclosingLoop(node: SyntaxNode, stop?: SyntaxNode): SyntaxNode | undefined {
  for (let p = node.parent; p && p !== stop; p = p.parent) {
    if (NESTED_SCOPES.has(p.type)) return undefined;
    if (p.type === 'for_statement' || p.type === 'while_statement') return p;
  }
  return undefined;
}

/** True if `node` is inside the `finally:` clause of some try statement (same function). */
export function inFinally(node: SyntaxNode): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (NESTED_SCOPES.has(p.type)) return false;
    if (p.type === 'finally_clause') return true;
  }
  return false;
}
