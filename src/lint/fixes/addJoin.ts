// Quick fix for MP002: add the missing join().
//
// The join goes at the end of the block that started the process (before a final return), which is
// when the interpreter would have joined it at exit anyway when that block is the script's main
// code. A start inside a loop keeps every process in a list, joined after the loop. The fix is only
// offered where nothing else runs after that block in the parent: module-level code, or a function
// called only as the last statement of the script.
import type { Model } from '../model';
import type { Fix } from '../rule';
import { child, type SyntaxNode } from '../syntax';
import { blockOf, indentOf, startsLine, statements } from '../rules/util';
import { endOfLine, eol, freshName, indentUnit } from './indent';

export function addJoinFix(m: Model, startCall: SyntaxNode, varName: string): Fix | undefined {
  const stmt = startCall.parent;
  if (!stmt || stmt.type !== 'expression_statement' || !startsLine(m, stmt)) return undefined;
  if (!joinAtEndIsSafe(m, stmt)) return undefined;
  const nl = eol(m);
  const unit = indentUnit(m);
  // Climb out of loops: joining inside the loop would run the processes one after another.
  let anchor = stmt;
  let outerLoop: SyntaxNode | undefined;
  for (;;) {
    const block = blockOf(anchor);
    const owner = block?.parent;
    if (!block || !owner) break;
    if (owner.type === 'for_statement' || owner.type === 'while_statement') {
      if (block.field !== 'body') return undefined;
      outerLoop = owner;
      anchor = owner;
      continue;
    }
    break;
  }
  const block = blockOf(anchor);
  if (!block) return undefined;
  const list = statements(block);
  let lastStmt = list[list.length - 1];
  let insertBefore = false;
  if (lastStmt.type === 'return_statement' || lastStmt.type === 'raise_statement') insertBefore = true;
  if (insertBefore && lastStmt === anchor) return undefined;
  const indent = indentOf(m, anchor);
  if (!startsLine(m, lastStmt)) return undefined;
  const at = insertBefore ? m.lines.lineStartOf(lastStmt.start) : endOfLine(m, lastStmt.end);
  const needsNl = !insertBefore && !m.text.slice(0, at).endsWith('\n');
  if (!outerLoop) {
    return {
      title: `Add \`${varName}.join()\``,
      edits: [{ start: at, end: at, text: `${needsNl ? nl : ''}${indent}${varName}.join()${nl}` }],
    };
  }
  const listName = freshName(m, 'started_processes');
  const loopVar = freshName(m, 'started');
  const afterStart = endOfLine(m, stmt.end);
  const loopStart = m.lines.lineStartOf(outerLoop.start);
  return {
    title: `Keep the started processes in a list and join them after the loop`,
    edits: [
      { start: loopStart, end: loopStart, text: `${indent}${listName} = []${nl}` },
      { start: afterStart, end: afterStart, text: `${indentOf(m, stmt)}${listName}.append(${varName})${nl}` },
      {
        start: at,
        end: at,
        text: `${needsNl ? nl : ''}${indent}for ${loopVar} in ${listName}:${nl}${indent}${unit}${loopVar}.join()${nl}`,
      },
    ],
  };
}

/** Fix for processes kept in a list and started in a loop: join them all after it. */
export function addJoinLoopFix(m: Model, startLoop: SyntaxNode, container: string, loopVar: string): Fix | undefined {
  if (!startsLine(m, startLoop) || !joinAtEndIsSafe(m, startLoop)) return undefined;
  let anchor = startLoop;
  for (;;) {
    const block = blockOf(anchor);
    const owner = block?.parent;
    if (!block || !owner || (owner.type !== 'for_statement' && owner.type !== 'while_statement')) break;
    if (block.field !== 'body') return undefined;
    anchor = owner;
  }
  const block = blockOf(anchor);
  if (!block) return undefined;
  const list = statements(block);
  const lastStmt = list[list.length - 1];
  const insertBefore = lastStmt.type === 'return_statement' || lastStmt.type === 'raise_statement';
  if (insertBefore && lastStmt === anchor) return undefined;
  if (!startsLine(m, lastStmt)) return undefined;
  const nl = eol(m);
  const indent = indentOf(m, anchor);
  const at = insertBefore ? m.lines.lineStartOf(lastStmt.start) : endOfLine(m, lastStmt.end);
  const needsNl = !insertBefore && !m.text.slice(0, at).endsWith('\n');
  return {
    title: `Join the processes of \`${container}\``,
    edits: [{ start: at, end: at, text: `${needsNl ? nl : ''}${indent}for ${loopVar} in ${container}:${nl}${indent}${indentUnit(m)}${loopVar}.join()${nl}` }],
  };
}

/** True when joining at the end of the statement's function changes nothing else the parent does. */
function joinAtEndIsSafe(m: Model, stmt: SyntaxNode): boolean {
  const fn = m.functionOf(stmt);
  if (!fn) return true; // module level or main guard: the script ends there
  if (fn.cls || fn.nested) return false;
  // Every call of the function must be the last thing the script does.
  const refs = m.refsOf(fn.name, m.module);
  if (refs.length === 0) return false;
  for (const ref of refs) {
    const call = ref.parent;
    if (!call || call.type !== 'call' || ref.field !== 'function') return false;
    const s = call.parent;
    if (!s || s.type !== 'expression_statement') return false;
    const block = blockOf(s);
    if (!block) return false;
    const inGuard = block.parent && m.mainGuards.includes(block.parent);
    if (block !== m.root && !inGuard) return false;
    const list = statements(block);
    if (list[list.length - 1] !== s) return false;
    if (inGuard && block.parent && statements(m.root).slice(-1)[0] !== block.parent) return false;
    if (child(block, 'alternative')) return false;
  }
  return true;
}
