// How run annotations follow edits to a file. A finding describes the code as it ran; once the
// user edits the file, the rule is:
//   - an edit that touches an annotated line removes that line's annotations (the code they
//     describe changed);
//   - annotations below an edit that adds or removes lines move with their code;
//   - edits elsewhere leave them alone.
// Lines are 1-based here, as in the report.

/** One text change: lines startLine..endLine (1-based, inclusive) replaced by `newLineCount` lines. */
export interface LineEdit {
  startLine: number;
  endLine: number;
  /** How many lines the replacement text spans (1 for text without a newline). */
  newLineCount: number;
}

/**
 * The line an annotation moves to after `edit`, or undefined when the edit touched it.
 * Edits are applied in the order given (VS Code lists a document's changes so that each one's
 * range refers to the document after the previous ones).
 */
export function trackLine(line: number, edits: LineEdit[]): number | undefined {
  let current = line;
  for (const e of edits) {
    if (current >= e.startLine && current <= e.endLine) return undefined;
    if (current > e.endLine) current += e.newLineCount - (e.endLine - e.startLine + 1);
  }
  return current;
}

/**
 * Applies edits to annotations that carry a `line` (and optional related lines in the same file).
 * Returns the survivors with their lines moved; related entries in the edited file that were
 * touched are dropped, the annotation itself survives if its own line did.
 */
export function trackAnnotations<T extends { file: string; line: number; related?: Array<{ file: string; line: number }> }>(
  items: T[],
  file: string,
  edits: LineEdit[],
): T[] {
  const out: T[] = [];
  for (const item of items) {
    if (item.file !== file) {
      if (!item.related?.some((r) => r.file === file)) {
        out.push(item);
        continue;
      }
      out.push({ ...item, related: moveRelated(item.related, file, edits) });
      continue;
    }
    const line = trackLine(item.line, edits);
    if (line === undefined) continue;
    const moved = { ...item, line };
    if (item.related) moved.related = moveRelated(item.related, file, edits);
    out.push(moved);
  }
  return out;
}

function moveRelated<R extends { file: string; line: number }>(related: R[], file: string, edits: LineEdit[]): R[] {
  const out: R[] = [];
  for (const r of related) {
    if (r.file !== file) {
      out.push(r);
      continue;
    }
    const line = trackLine(r.line, edits);
    if (line !== undefined) out.push({ ...r, line });
  }
  return out;
}
