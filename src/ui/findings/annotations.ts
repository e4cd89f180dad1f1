import * as fs from 'fs';
import * as vscode from 'vscode';
import type { MpscopeContext } from '../context';
import type { RunState } from '../run/state';
import {
  type DecorationData,
  type DiagnosticData,
  buildDecorations,
  buildDiagnostics,
} from '../../runner/view/annotations';
import { type LineEdit, trackAnnotations } from '../../runner/view/line-tracking';

/** A decoration as the editor shows it, for tests (the vscode API cannot read decorations back). */
export interface ShownDecoration {
  file: string;
  /** 1-based. */
  line: number;
  text: string;
  hover: string;
}

/**
 * The run's findings in the editor: diagnostics (source "mpscope", in the Problems panel) and,
 * while a deadlock is live, end-of-line decorations on each waiting line with a hover that shows
 * the wait-for cycle and the stacks.
 *
 * When they go away:
 *   - all of them when a new run starts or the user clears the run;
 *   - decorations when the deadlock is no longer live (the run was stopped);
 *   - on an edit, per line, by the rule in src/runner/view/line-tracking.ts (an edit touching an
 *     annotated line removes it; lines below an edit that adds or removes lines move with it).
 */
export class RunAnnotations implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('mpscope-run');
  /**
   * The ⏸ of "⏸ Process-2 (pid 4312) waits for ...", drawn as an SVG: U+23F8 is in emoji fonts
   * only, and editors without one (Linux without an emoji font) show a box. Created before the
   * text's decoration type so that it renders first.
   */
  private readonly pauseType: vscode.TextEditorDecorationType;
  private readonly decorationType: vscode.TextEditorDecorationType;
  private diagnostics: DiagnosticData[] = [];
  private decorations: DecorationData[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly ctx: MpscopeContext,
    private readonly state: RunState,
  ) {
    const icon = (theme: 'dark' | 'light') => ctx.extension.asAbsolutePath(`media/run/pause-${theme}.svg`);
    const pause = (theme: 'dark' | 'light'): vscode.ThemableDecorationRenderOptions => ({
      after: { contentIconPath: vscode.Uri.file(icon(theme)), margin: '0 0 0 2em', width: '1em', height: '1em' },
    });
    this.pauseType = vscode.window.createTextEditorDecorationType({ dark: pause('dark'), light: pause('light') });
    this.decorationType = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor('mpscope.deadlockLineBackground'),
      overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.errorForeground'),
      overviewRulerLane: vscode.OverviewRulerLane.Right,
      after: {
        color: new vscode.ThemeColor('mpscope.deadlockForeground'),
        fontStyle: 'italic',
        margin: '0 0 0 0.3em',
      },
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
    this.disposables.push(
      state.onDidChange(() => this.refresh()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.paintDecorations()),
      vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)),
    );
    this.refresh();
  }

  /** Decorations on screen now, in file and line order. */
  shownDecorations(): ShownDecoration[] {
    return this.decorations.map((d) => ({ file: d.file, line: d.line, text: d.text, hover: d.hover }));
  }

  private refresh(): void {
    const report = this.state.report;
    // A new run, or a report with different findings, replaces everything (edits made since
    // the previous report are already reflected in the new one's line numbers).
    this.diagnostics = report ? buildDiagnostics(report) : [];
    this.decorations = report && this.state.deadlockLive ? buildDecorations(report) : [];
    this.publishDiagnostics();
    this.paintDecorations();
  }

  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    if (e.document.uri.scheme !== 'file' || e.contentChanges.length === 0) return;
    const file = e.document.uri.fsPath;
    if (!this.touches(file)) return;
    const edits: LineEdit[] = e.contentChanges.map((c) => ({
      startLine: c.range.start.line + 1,
      endLine: c.range.end.line + 1,
      newLineCount: c.text.split(/\r\n|\r|\n/).length,
    }));
    const before = this.diagnostics.length + this.decorations.length;
    this.diagnostics = trackAnnotations(this.diagnostics, file, edits);
    this.decorations = trackAnnotations(this.decorations, file, edits);
    this.ctx.log.debug(
      `edit in ${file}: ${before - this.diagnostics.length - this.decorations.length} run annotation(s) removed`,
    );
    this.publishDiagnostics();
    this.paintDecorations();
  }

  private touches(file: string): boolean {
    return (
      this.diagnostics.some((d) => d.file === file || d.related.some((r) => r.file === file)) ||
      this.decorations.some((d) => d.file === file)
    );
  }

  private publishDiagnostics(): void {
    this.collection.clear();
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const d of this.diagnostics) {
      const diag = new vscode.Diagnostic(lineRange(d.file, d.line), d.message, toSeverity(d.severity));
      diag.source = 'mpscope';
      diag.code = d.code;
      if (d.related.length > 0) {
        diag.relatedInformation = d.related.map(
          (r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(r.file), lineRange(r.file, r.line)), r.message),
        );
      }
      const list = byFile.get(d.file) ?? [];
      list.push(diag);
      byFile.set(d.file, list);
    }
    for (const [file, list] of byFile) this.collection.set(vscode.Uri.file(file), list);
  }

  private paintDecorations(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.scheme !== 'file') continue;
      const file = editor.document.uri.fsPath;
      const options: vscode.DecorationOptions[] = this.decorations
        .filter((d) => d.file === file)
        .map((d) => {
          const hover = new vscode.MarkdownString(d.hover);
          hover.supportThemeIcons = false;
          return {
            range: lineRange(file, d.line, editor.document),
            hoverMessage: hover,
            // The pause sign is the icon of pauseType; the text goes on after it.
            renderOptions: { after: { contentText: d.text.replace(/^⏸\s*/, '') } },
          };
        });
      editor.setDecorations(this.pauseType, options.map((o) => ({ range: o.range })));
      editor.setDecorations(this.decorationType, options);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.collection.dispose();
    this.pauseType.dispose();
    this.decorationType.dispose();
  }
}

function toSeverity(s: DiagnosticData['severity']): vscode.DiagnosticSeverity {
  return s === 'error'
    ? vscode.DiagnosticSeverity.Error
    : s === 'warning'
      ? vscode.DiagnosticSeverity.Warning
      : vscode.DiagnosticSeverity.Information;
}

/**
 * The range of a 1-based line: from its first non-blank character to its end, so the squiggle
 * sits under the code and not under the indentation. Reads the open document when there is one,
 * else the file on disk (without opening it in the editor, which would start language servers).
 */
function lineRange(file: string, line: number, doc?: vscode.TextDocument): vscode.Range {
  const zero = Math.max(0, line - 1);
  const text = lineText(file, zero, doc);
  if (text === undefined) return new vscode.Range(zero, 0, zero, Number.MAX_SAFE_INTEGER);
  const start = text.length - text.trimStart().length;
  return new vscode.Range(zero, start, zero, Math.max(start, text.trimEnd().length));
}

function lineText(file: string, zero: number, doc?: vscode.TextDocument): string | undefined {
  const open = doc ?? vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
  if (open) return zero < open.lineCount ? open.lineAt(zero).text : undefined;
  try {
    const lines = fs.readFileSync(file, 'utf8').split(/\r\n|\r|\n/);
    return zero < lines.length ? lines[zero] : undefined;
  } catch {
    return undefined;
  }
}
