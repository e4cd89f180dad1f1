import * as path from 'path';
import * as vscode from 'vscode';
import type { RunState } from '../run/state';
import { type ReportModel, type SourceLocation, type ViewFinding, groupFindings } from '../../runner/view/model';
import { findingLines } from '../../runner/view/finding-locations';
import { formatLocation } from '../../runner/view/graph';

export const REVEAL_COMMAND = 'mpscope.revealLocation';

type Node =
  | { type: 'group'; kind: string; title: string; findings: ViewFinding[] }
  | { type: 'finding'; finding: ViewFinding }
  | { type: 'line'; finding: ViewFinding; location: SourceLocation; text: string };

/** A row as the view shows it, for tests: what the user reads, and the children. */
export interface FindingsRow {
  label: string;
  description?: string;
  children: FindingsRow[];
}

function severityIcon(s: ViewFinding['severity']): vscode.ThemeIcon {
  return s === 'error'
    ? new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'))
    : s === 'warning'
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
      : new vscode.ThemeIcon('info', new vscode.ThemeColor('problemsInfoIcon.foreground'));
}

const KIND_ICONS: Record<string, string> = {
  deadlock: 'debug-pause',
  'potential-deadlock': 'lock',
  'child-exception': 'bug',
  unjoined: 'debug-disconnect',
  zombie: 'circle-slash',
  orphan: 'type-hierarchy-sub',
  'leaked-shm': 'database',
};

/**
 * The "Findings" view: the current run's findings grouped by kind; each finding expands into the
 * lines involved, and a click opens the line.
 */
export class FindingsProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly state: RunState) {
    this.subscription = state.onDidChange(() => this.emitter.fire(undefined));
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }

  private get report(): ReportModel | undefined {
    return this.state.report;
  }

  getChildren(node?: Node): Node[] {
    const report = this.report;
    if (!report) return [];
    if (!node) {
      return groupFindings(report.findings).map((g) => ({ type: 'group', ...g }));
    }
    if (node.type === 'group') return node.findings.map((finding) => ({ type: 'finding', finding }));
    if (node.type === 'finding') {
      return findingLines(report, node.finding).map((l) => ({
        type: 'line',
        finding: node.finding,
        location: l.location,
        text: l.text,
      }));
    }
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.type === 'group') {
      const item = new vscode.TreeItem(node.title, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${node.kind}`;
      item.description = String(node.findings.length);
      item.iconPath = new vscode.ThemeIcon(KIND_ICONS[node.kind] ?? 'symbol-event');
      item.contextValue = 'mpscopeFindingGroup';
      return item;
    }
    if (node.type === 'finding') {
      const f = node.finding;
      const lines = this.report ? findingLines(this.report, f) : [];
      const item = new vscode.TreeItem(
        f.message,
        lines.length > 1 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
      );
      item.id = `finding:${f.id}`;
      item.iconPath = severityIcon(f.severity);
      item.description = lines[0] ? formatLocation(lines[0].location) : undefined;
      const tooltip = new vscode.MarkdownString();
      tooltip.appendText(f.message);
      for (const l of lines) tooltip.appendMarkdown('\n\n').appendText(`${formatLocation(l.location)}: ${l.text}`);
      item.tooltip = tooltip;
      item.contextValue = `mpscopeFinding.${f.kind}`;
      if (lines[0]) item.command = revealCommand(lines[0].location);
      return item;
    }
    const item = new vscode.TreeItem(
      `${path.basename(node.location.file)}:${node.location.line}`,
      vscode.TreeItemCollapsibleState.None,
    );
    item.id = `line:${node.finding.id}:${node.location.file}:${node.location.line}:${node.text}`;
    item.description = node.text;
    item.tooltip = `${node.location.file}:${node.location.line}\n${node.text}`;
    // No resourceUri: it would pull in the file's problem colour and count, which say nothing
    // about this one line.
    item.iconPath = new vscode.ThemeIcon('location');
    item.command = revealCommand(node.location);
    item.contextValue = 'mpscopeFindingLine';
    return item;
  }

  /** The whole tree as the user reads it (labels and descriptions), for tests. */
  rows(): FindingsRow[] {
    const walk = (node?: Node): FindingsRow[] =>
      this.getChildren(node).map((child) => {
        const item = this.getTreeItem(child);
        const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
        return {
          label,
          description: typeof item.description === 'string' ? item.description : undefined,
          children: walk(child),
        };
      });
    return walk();
  }
}

function revealCommand(location: SourceLocation): vscode.Command {
  return {
    command: REVEAL_COMMAND,
    title: 'Open Line',
    arguments: [location.file, location.line],
  };
}

/** Opens a file at a 1-based line, selecting the line's code. */
export async function revealLocation(file: string, line: number, viewColumn?: vscode.ViewColumn): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const zero = Math.min(Math.max(0, line - 1), Math.max(0, doc.lineCount - 1));
  const text = doc.lineAt(zero);
  const range = new vscode.Range(zero, text.firstNonWhitespaceCharacterIndex, zero, text.range.end.character);
  const editor = await vscode.window.showTextDocument(doc, { selection: range, preserveFocus: false, viewColumn });
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  return editor;
}
