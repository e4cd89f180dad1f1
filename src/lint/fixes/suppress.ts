// The "ignore this finding" code action: appends `# mpscope: ignore[CODE]` to the finding's line
// (or adds the code to an mpscope comment already there). Not offered where a comment cannot go:
// a line continued with a backslash, or one ending inside a multi-line string.
import type { PythonDocument } from '../document';
import type { Finding, Fix } from '../rule';
import { parseSuppression } from '../suppress';
import { walk, type SyntaxNode } from '../syntax';

export function suppressionFix(doc: PythonDocument, f: Finding): Fix | undefined {
  const lines = doc.lines;
  const line = lines.position(f.start).line;
  const text = lines.lineText(line);
  const lineStart = lines.starts[line];
  const lineEnd = lineStart + text.length;
  if (text.trimEnd().endsWith('\\')) return undefined;
  // An existing comment on the line: extend an mpscope directive, or add after other comments.
  let comment: SyntaxNode | undefined;
  let insideString = false;
  walk(doc.root, (n) => {
    if (n.end < lineStart || n.start > lineEnd) return false;
    if (n.type === 'comment' && n.start >= lineStart && n.start <= lineEnd) comment = n;
    if (n.type === 'string' && n.start < lineEnd && n.end > lineEnd) insideString = true;
    return true;
  });
  if (insideString) return undefined;
  const title = `Ignore ${f.code} on this line`;
  if (comment) {
    const c = doc.text.slice(comment.start, comment.end);
    const codes = parseSuppression(c);
    if (codes === undefined) return undefined; // already ignores everything
    if (codes) {
      const close = c.indexOf(']', c.indexOf('mpscope:'));
      const at = comment.start + close;
      return { title, edits: [{ start: at, end: at, text: `, ${f.code}` }] };
    }
  }
  const trimmedEnd = lineStart + text.trimEnd().length;
  return { title, edits: [{ start: trimmedEnd, end: lineEnd, text: `  # mpscope: ignore[${f.code}]` }] };
}
