import * as path from 'path';
import * as vscode from 'vscode';
import type { RunNodeSource } from '../processes/provider';
import type { RunController } from './controller';
import type { RunState } from './state';
import type { RunProcessInfo } from './backend';
import { REVEAL_COMMAND } from '../findings/findings-view';

export const RUN_ROW_SCHEME = 'mpscope-run';

/** A row of the run node as the user reads it, for tests. */
export interface RunRow {
  label: string;
  description: string;
  /** Greyed: the process has exited. */
  exited: boolean;
  deadlocked: boolean;
  children: RunRow[];
}

/**
 * The "Run: script.py" node at the top of the Processes view: the run's processes with their
 * multiprocessing names and start sites. Exited processes stay, greyed, with their exit codes,
 * until the next run or until the user clears the run.
 */
export class RunNodes implements RunNodeSource, vscode.FileDecorationProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private readonly subscriptions: vscode.Disposable[];
  private cache: { procs: Map<number, RunProcessInfo>; children: Map<number | 'root', number[]> } | undefined;

  constructor(
    private readonly state: RunState,
    private readonly controller: RunController,
  ) {
    // No onDidChangeFileDecorations: a row's URI carries its state (alive, exited, deadlocked),
    // so a changed row has a new URI and VS Code asks for its decoration anyway. (Firing a
    // decoration change while the tree refreshes makes VS Code re-render rows that are gone.)
    const changed = () => {
      this.cache = undefined;
      this.emitter.fire();
    };
    this.subscriptions = [state.onDidChange(changed), controller.onDidChangeProcesses(changed)];
  }

  private get rootId(): string {
    return `run:${this.state.generation}`;
  }

  /** The run's processes: the runner's live view while it runs, else the final report. */
  private data(): { procs: Map<number, RunProcessInfo>; children: Map<number | 'root', number[]> } {
    if (this.cache) return this.cache;
    const procs = new Map<number, RunProcessInfo>();
    const deadlocked = new Set<number>();
    for (const f of this.state.report?.findings ?? []) {
      if (f.kind === 'deadlock') for (const w of f.waits) deadlocked.add(w.pid);
    }
    for (const p of this.state.report?.processes ?? []) {
      procs.set(p.pid, {
        pid: p.pid,
        ppid: p.ppid,
        name: p.name,
        startSite: p.startSite,
        alive: this.state.live && p.endMs === undefined && (p.exitCode === undefined || p.exitCode === null),
        exitCode: p.exitCode,
        signal: p.signal,
        helper: Boolean(p.helper),
        deadlocked: this.state.deadlockLive && deadlocked.has(p.pid),
      });
    }
    if (this.state.live) for (const p of this.controller.processes()) procs.set(p.pid, { ...procs.get(p.pid), ...p });
    const children = new Map<number | 'root', number[]>();
    const sorted = [...procs.values()].sort((a, b) => a.pid - b.pid);
    for (const p of sorted) {
      const parent = p.ppid !== undefined && procs.has(p.ppid) && p.ppid !== p.pid ? p.ppid : 'root';
      children.set(parent, [...(children.get(parent) ?? []), p.pid]);
    }
    this.cache = { procs, children };
    return this.cache;
  }

  roots(): string[] {
    return this.state.script ? [this.rootId] : [];
  }

  // Row ids carry the path of pids from the run node ("run:<generation>:<main>/<child>"), so a
  // process that first shows at the top (its parent's hello not yet arrived) and then moves under
  // its parent is a new row: VS Code's tree refuses an id that changes parents.
  children(id: string): string[] {
    if (!this.state.script) return [];
    const { children } = this.data();
    const key: number | 'root' = id === this.rootId ? 'root' : pidOf(id);
    const prefix = id === this.rootId ? `${this.rootId}:` : `${id}/`;
    return (children.get(key) ?? []).map((pid) => `${prefix}${pid}`);
  }

  parent(id: string): string | undefined {
    if (id === this.rootId) return undefined;
    const cut = id.lastIndexOf('/');
    return cut >= 0 ? id.slice(0, cut) : this.rootId;
  }

  item(id: string): vscode.TreeItem {
    if (id === this.rootId || !id.startsWith(`${this.rootId}:`)) return this.rootItem(id);
    const pid = pidOf(id);
    const p = this.data().procs.get(pid);
    if (!p) return new vscode.TreeItem(`process ${pid}`);
    const hasChildren = (this.data().children.get(pid)?.length ?? 0) > 0;
    const item = new vscode.TreeItem(
      `${p.name} (${p.pid})`,
      hasChildren ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
    );
    item.id = id;
    const site = p.startSite ? `${path.basename(p.startSite.file)}:${p.startSite.line}` : '';
    item.description = [describeOutcome(p), site].filter(Boolean).join(' · ');
    item.iconPath = p.deadlocked
      ? new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('errorForeground'))
      : p.alive
        ? new vscode.ThemeIcon(p.helper ? 'gear' : 'circle-filled', new vscode.ThemeColor('charts.green'))
        : new vscode.ThemeIcon('circle-outline', new vscode.ThemeColor('disabledForeground'));
    // The URI only carries the row's look (greyed when exited) to provideFileDecoration.
    item.resourceUri = vscode.Uri.from({
      scheme: RUN_ROW_SCHEME,
      path: `/${p.pid}`,
      query: p.deadlocked ? 'deadlocked' : p.alive ? 'alive' : 'exited',
    });
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**${p.name}** (pid ${p.pid})`);
    if (p.ppid !== undefined) tooltip.appendMarkdown(`  \nparent pid ${p.ppid}`);
    if (p.startSite) tooltip.appendMarkdown(`  \nstarted at `).appendText(`${p.startSite.file}:${p.startSite.line}`);
    tooltip.appendMarkdown(`  \n${describeOutcome(p)}`);
    if (p.deadlocked) tooltip.appendMarkdown('  \n$(debug-pause) blocked in a deadlock (kept alive until you stop the run)');
    if (p.helper) tooltip.appendMarkdown('  \nmultiprocessing helper process');
    item.tooltip = tooltip;
    item.contextValue = ['mpscope.runProcess', p.alive ? 'live' : 'exited', p.startSite ? 'hasSite' : ''].filter(Boolean).join(' ');
    if (p.startSite) item.command = { command: REVEAL_COMMAND, title: 'Reveal Start Site', arguments: [p.startSite.file, p.startSite.line] };
    return item;
  }

  private rootItem(id: string): vscode.TreeItem {
    const name = path.basename(this.state.script ?? 'script');
    const item = new vscode.TreeItem(`Run: ${name}`, vscode.TreeItemCollapsibleState.Expanded);
    item.id = id;
    const procs = [...this.data().procs.values()].filter((p) => !p.helper);
    const live = procs.filter((p) => p.alive).length;
    const r = this.state.report;
    const findings = r?.findings.length ?? 0;
    const outcome = this.state.live
      ? `running · ${live} live`
      : r
        ? r.signal
          ? `killed by ${r.signal}`
          : r.exitCode !== null
            ? `exit ${r.exitCode}`
            : 'ended'
        : 'ended';
    item.description = [
      outcome,
      this.state.deadlockLive ? 'deadlock' : '',
      findings ? `${findings} finding${findings === 1 ? '' : 's'}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    item.iconPath = this.state.deadlockLive
      ? new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('errorForeground'))
      : new vscode.ThemeIcon(this.state.live ? 'debug-alt' : 'history');
    item.tooltip = `${this.state.script ?? ''}\n${item.description}`;
    item.contextValue = `mpscope.run ${this.state.live ? 'live' : 'ended'}`;
    return item;
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== RUN_ROW_SCHEME) return undefined;
    if (uri.query === 'exited') return { color: new vscode.ThemeColor('disabledForeground') };
    if (uri.query === 'deadlocked') {
      return { color: new vscode.ThemeColor('list.errorForeground'), badge: 'D', tooltip: 'deadlocked' };
    }
    return undefined;
  }

  /** The run node as the user reads it, for tests. */
  rows(): RunRow[] {
    const walk = (ids: string[]): RunRow[] =>
      ids.map((id) => {
        const item = this.item(id);
        const uri = item.resourceUri;
        return {
          label: typeof item.label === 'string' ? item.label : (item.label?.label ?? ''),
          description: typeof item.description === 'string' ? item.description : '',
          exited: uri?.query === 'exited',
          deadlocked: uri?.query === 'deadlocked',
          children: walk(this.children(id)),
        };
      });
    return walk(this.roots());
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.emitter.dispose();
  }
}

/** The pid of a process row: the last one of its path. */
function pidOf(id: string): number {
  return Number(id.slice(Math.max(id.lastIndexOf('/'), id.lastIndexOf(':')) + 1));
}

function describeOutcome(p: RunProcessInfo): string {
  if (p.alive) return p.deadlocked ? 'deadlocked' : 'running';
  if (p.signal) return `killed by ${p.signal}`;
  if (typeof p.exitCode === 'number') return p.exitCode < 0 ? `killed by signal ${-p.exitCode}` : `exit ${p.exitCode}`;
  return 'exited';
}
