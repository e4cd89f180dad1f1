// Helpers for the lint tests: lint a Python snippet, apply a fix, check a tree has no errors.
import { PythonDocument } from '../../../src/lint/document';
import { lintDocument, type LintOptions } from '../../../src/lint/engine';
import type { Finding, Fix } from '../../../src/lint/rule';
import { applyEdits } from '../../../src/lint/text';

/** Removes the common indentation of a template literal and its first empty line. */
export function py(strings: TemplateStringsArray, ...values: unknown[]): string {
  let text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  if (text.startsWith('\n')) text = text.slice(1);
  const lines = text.split('\n');
  const indents = lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join('\n').replace(/[ \t]+$/, '');
}

export async function lint(src: string, options: LintOptions = {}): Promise<Finding[]> {
  const doc = await PythonDocument.create(src);
  try {
    return lintDocument(doc, { platform: 'linux', ...options }).findings;
  } finally {
    doc.dispose();
  }
}

/** Findings of one rule. */
export async function findingsOf(code: string, src: string, options: LintOptions = {}): Promise<Finding[]> {
  return (await lint(src, options)).filter((f) => f.code === code);
}

/** 1-based line of a finding. */
export function lineOf(src: string, f: { start: number }): number {
  return src.slice(0, f.start).split('\n').length;
}

/** True if the text parses with no ERROR or MISSING node. */
export async function parsesCleanly(src: string): Promise<boolean> {
  const doc = await PythonDocument.create(src);
  try {
    return !doc.hasError;
  } finally {
    doc.dispose();
  }
}

export function applyFix(src: string, fix: Fix): string {
  return applyEdits(src, fix.edits);
}
