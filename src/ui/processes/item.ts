// One row of the Processes view: label, description, icon, tooltip and context value.
import * as vscode from 'vscode';
import {
  ROLE_LABELS,
  describeNode,
  displayName,
  formatBytes,
  formatClock,
  formatCpu,
  formatDuration,
  orphanSummary,
  zombieSummary,
  type ProcessNode,
  type ProcessTree,
} from '../../procs';
import { processUri } from './decorations';

/** Context-value tokens the menus in package.json match with `viewItem =~ /.../`. */
export function contextValueOf(node: ProcessNode): string {
  const tokens = ['mpscope.process'];
  if (node.zombie) tokens.push('zombie');
  if (node.orphan) tokens.push('orphan');
  if (node.launched) tokens.push('launched');
  if (node.runMember) tokens.push('run');
  if (node.command) tokens.push('hasCommand');
  // "Attach Python Debugger" (src/ui/debug) is offered on Python interpreters only.
  if (node.isPython) tokens.push('python');
  if (node.annotation?.startSite) tokens.push('startSite');
  return tokens.join(' ');
}

export function iconOf(node: ProcessNode): vscode.ThemeIcon {
  if (node.zombie) return new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('list.errorForeground'));
  if (node.orphan) return new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
  if (node.helper) return new vscode.ThemeIcon('gear');
  switch (node.record.state) {
    case 'running':
      return new vscode.ThemeIcon('circle-filled', new vscode.ThemeColor('charts.green'));
    case 'disk-sleep':
      return new vscode.ThemeIcon('watch', new vscode.ThemeColor('charts.yellow'));
    case 'stopped':
    case 'tracing-stop':
      return new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('charts.orange'));
    default:
      return new vscode.ThemeIcon('circle-outline');
  }
}

export function processTreeItem(node: ProcessNode, tree: ProcessTree): vscode.TreeItem {
  const hasChildren = (tree.children.get(node.key)?.length ?? 0) > 0;
  const collapsed =
    !hasChildren
      ? vscode.TreeItemCollapsibleState.None
      : tree.filter === 'all'
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.Expanded;
  const item = new vscode.TreeItem(`${displayName(node)} (${node.pid})`, collapsed);
  item.id = node.key;
  item.description = describeNode(node);
  item.iconPath = iconOf(node);
  item.contextValue = contextValueOf(node);
  // The custom-scheme URI is what the FileDecorationProvider badges ("Z", "O").
  item.resourceUri = processUri(node);
  item.tooltip = tooltipOf(node, tree);
  item.accessibilityInformation = {
    label: [
      displayName(node),
      `pid ${node.pid}`,
      describeNode(node),
      node.zombie ? 'zombie' : '',
      node.orphan ? 'orphan' : '',
    ]
      .filter(Boolean)
      .join(', '),
  };
  return item;
}

function tooltipOf(node: ProcessNode, tree: ProcessTree): vscode.MarkdownString {
  const r = node.record;
  const md = new vscode.MarkdownString(undefined, true);
  md.supportThemeIcons = true;
  md.appendMarkdown('**');
  md.appendText(displayName(node));
  md.appendMarkdown(`** · pid ${node.pid} · ${ROLE_LABELS[node.role]}`);
  if (node.startMethod) md.appendMarkdown(` (${node.startMethod})`);
  md.appendMarkdown('\n\n');
  if (node.command) md.appendCodeblock(node.command, 'text');
  else md.appendMarkdown(r.state === 'zombie' ? '_no command line: it has exited_\n\n' : '_command line not readable_\n\n');

  if (node.zombie) {
    md.appendMarkdown('$(circle-slash) **Zombie**: ');
    md.appendText(zombieSummary(node, tree.model) ?? '');
    md.appendMarkdown('\n\n');
  }
  if (node.orphan) {
    const [first, ...more] = node.orphan;
    md.appendMarkdown(`$(warning) **${first.strength === 'weak' ? 'Possible orphan' : 'Orphan'}**: `);
    md.appendText(orphanSummary(node) ?? '');
    for (const e of more) {
      md.appendMarkdown('\n\nalso rule ');
      md.appendText(`${e.rule} (${e.strength}): ${e.detail}`);
    }
    md.appendMarkdown('\n\n');
  }

  const parent = tree.model.byPid.get(node.ppid);
  const lines: string[] = [];
  lines.push(`Parent: ${node.ppid}${parent ? ` (${parent.record.name})` : ''}${node.parentNote === 'started-later' ? ' (the pid was reused: not its real parent)' : ''}`);
  if (r.user !== undefined) lines.push(`User: ${r.user}`);
  if (Number.isFinite(r.startTime)) {
    lines.push(`Started: ${formatClock(r.startTime)} (${formatDuration(tree.model.takenAt - r.startTime)} ago)`);
  }
  if (r.state !== 'zombie') {
    // A zombie has no memory and one (dead) thread left: nothing worth a line.
    if (r.threads !== undefined) lines.push(`Threads: ${r.threads}`);
    if (r.rssBytes !== undefined) lines.push(`Memory (resident): ${formatBytes(r.rssBytes)}`);
    else if (r.memPercent !== undefined) lines.push(`Memory: ${r.memPercent.toFixed(1)}% of RAM`);
  }
  const cpu = formatCpu(node);
  if (cpu) lines.push(`CPU: ${cpu}${node.cpuBasis === 'interval' ? ' since the last refresh' : ' (average reported by the OS)'}`);
  md.appendText(lines.join('\n'));
  md.appendMarkdown('\n\n');

  const a = node.annotation;
  if (a?.mpName || a?.startSite) {
    md.appendMarkdown('multiprocessing: ');
    if (a.mpName) md.appendMarkdown(`\`${a.mpName.replace(/`/g, "'")}\``);
    if (a.startSite) {
      const uri = vscode.Uri.file(a.startSite.file).with({ fragment: `L${a.startSite.line}` });
      const name = a.startSite.file.split(/[\\/]/).pop() ?? a.startSite.file;
      md.appendMarkdown(` · started at [${name}:${a.startSite.line}](${uri.toString()})`);
    }
    md.appendMarkdown('\n\n');
  }
  if (node.launched) md.appendMarkdown('_Started by mpscope._');
  else if (node.runMember) md.appendMarkdown('_Part of an mpscope run._');
  return md;
}
