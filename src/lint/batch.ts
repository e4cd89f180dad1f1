// Lints many files with one parser (the CLI, the workspace-wide request, the benchmark).
import * as fs from 'fs';
import { PythonDocument } from './document';
import { lintDocument, type LintResult } from './engine';
import { createPythonParser } from './parser';
import type { LintSettings } from './settings';
import { LineIndex } from './text';

export interface FileResult {
  path: string;
  /** Set when the file could not be read; the other fields are then empty. */
  readError?: string;
  result?: LintResult;
  /** Line index of the text that was linted (to turn offsets into positions). */
  lines?: LineIndex;
}

export interface BatchOptions {
  settings?: LintSettings;
  platform?: NodeJS.Platform;
  /** Called after each file (for progress or streaming output). */
  onFile?: (r: FileResult) => void;
  /** Keep the texts' line indexes in the results (needed to print positions). Default true. */
  keepLines?: boolean;
}

export async function lintFiles(paths: readonly string[], options: BatchOptions = {}): Promise<FileResult[]> {
  const parser = await createPythonParser();
  const out: FileResult[] = [];
  try {
    for (const p of paths) {
      let r: FileResult;
      let text: string;
      try {
        text = fs.readFileSync(p, 'utf8');
      } catch (err) {
        r = { path: p, readError: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
        out.push(r);
        options.onFile?.(r);
        continue;
      }
      const doc = PythonDocument.withParser(parser, text);
      try {
        const result = lintDocument(doc, { settings: options.settings, path: p, platform: options.platform });
        r = { path: p, result };
        if (options.keepLines !== false && (result.findings.length || result.syntaxError)) r.lines = doc.lines;
      } catch (err) {
        r = { path: p, readError: `could not be analysed: ${(err as Error).message}` };
      } finally {
        doc.dispose();
      }
      out.push(r);
      options.onFile?.(r);
    }
  } finally {
    parser.delete();
  }
  return out;
}

/** Lints a text that is not on disk (an unsaved editor buffer, tests). */
export { lintText } from './engine';
export { LineIndex };
