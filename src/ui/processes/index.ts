// The Processes view: a live process tree with zombies and orphans marked.
// Refreshes only while the view is visible (and not paused), every
// `mpscope.processes.refreshIntervalMs`; the status bar and the view badge keep the last counts.
import * as vscode from 'vscode';
import {
  FILTER_LABELS,
  ProcessMonitor,
  buildTree,
  displayName,
  launchRegistry,
  orphanSummary,
  zombieSummary,
  type LaunchRegistry,
  type ProcessFilter,
  type ProcessTree,
} from '../../procs';
import type { MpscopeContext } from '../context';
import { registerProcessCommands } from './commands';
import { PROCESS_URI_SCHEME, ProcessDecorationProvider } from './decorations';
import { ProcessTreeProvider } from './provider';

export const VIEW_ID = 'mpscope.processes';
const FILTER_STATE_KEY = 'mpscope.processes.filter';
const DEFAULT_INTERVAL_MS = 1000;
const MIN_INTERVAL_MS = 250;

/** What the extension tests (and later the runner's UI) reach through MpscopeApi.processes. */
export interface ProcessesApi {
  readonly provider: ProcessTreeProvider;
  readonly decorations: ProcessDecorationProvider;
  readonly view: vscode.TreeView<string>;
  readonly monitor: ProcessMonitor;
  /** Where a runner records what it launched (markLaunched) and what it knows (annotate). */
  readonly launches: LaunchRegistry;
  readonly filter: ProcessFilter;
  readonly paused: boolean;
  /** Takes a snapshot now (even when hidden or paused) and shows it. */
  refresh(): Promise<ProcessTree | undefined>;
  setFilter(filter: ProcessFilter): Promise<void>;
}

let api: ProcessesApi | undefined;

/** The Processes view's API, once the feature has started. */
export function processesApi(): ProcessesApi | undefined {
  return api;
}

export function registerProcesses(ctx: MpscopeContext): void {
  const monitor = new ProcessMonitor({ registry: launchRegistry });
  const provider = ctx.track(new ProcessTreeProvider());
  const decorations = new ProcessDecorationProvider();
  ctx.track(vscode.window.registerFileDecorationProvider(decorations));
  const view = ctx.track(vscode.window.createTreeView(VIEW_ID, { treeDataProvider: provider, showCollapseAll: true }));
  const status = ctx.track(vscode.window.createStatusBarItem('mpscope.processes.status', vscode.StatusBarAlignment.Left, 10));
  status.name = 'mpscope: Zombies and Orphans';
  status.command = 'mpscope.processes.scan';

  const memento = ctx.extension.workspaceState;
  let filter: ProcessFilter = memento.get<ProcessFilter>(FILTER_STATE_KEY, 'python');
  if (!(filter in FILTER_LABELS)) filter = 'python';
  let paused = false;
  let timer: NodeJS.Timeout | undefined;
  let lastError: string | undefined;

  const intervalMs = (): number => {
    const v = vscode.workspace.getConfiguration('mpscope.processes').get<number>('refreshIntervalMs', DEFAULT_INTERVAL_MS);
    return Number.isFinite(v) ? Math.max(MIN_INTERVAL_MS, v) : DEFAULT_INTERVAL_MS;
  };

  let contextKeys = '';
  const describeView = (): void => {
    view.description = `${FILTER_LABELS[filter]}${paused ? ' · paused' : ''}`;
    view.message = paused ? 'Paused: the tree is not updating. Resume to continue.' : lastError;
    if (contextKeys !== `${paused}/${filter}`) {
      contextKeys = `${paused}/${filter}`;
      void vscode.commands.executeCommand('setContext', 'mpscope.processes.paused', paused);
      void vscode.commands.executeCommand('setContext', 'mpscope.processes.filter', filter);
    }
  };

  const showCounts = (tree: ProcessTree): void => {
    const z = tree.zombies.length;
    const o = tree.orphans.length;
    const parts = [z ? `${z} zombie${z === 1 ? '' : 's'}` : '', o ? `${o} orphan${o === 1 ? '' : 's'}` : ''].filter(Boolean);
    const text = parts.join(', ');
    view.badge = z + o > 0 ? { value: z + o, tooltip: text } : undefined;
    if (z + o > 0) {
      status.text = `$(warning) ${text}`;
      status.tooltip = `mpscope: ${text} among ${FILTER_LABELS[filter].toLowerCase()}. Click to list them.`;
      status.show();
    } else {
      status.hide();
    }
  };

  /** `full`: read every process now (a refresh a person asked for), not only those on screen. */
  const refresh = async (full = false): Promise<ProcessTree | undefined> => {
    try {
      // Every row on screen must be fresh; with "all my processes" that is every process.
      monitor.fullRead = filter === 'all';
      const model = await monitor.sample({ full });
      const tree = buildTree(model, filter);
      lastError = undefined;
      provider.update(tree);
      showCounts(tree);
      describeView();
      return tree;
    } catch (err) {
      lastError = `Could not read the process list: ${(err as Error)?.message ?? err}`;
      ctx.log.error(`processes: ${(err as Error)?.stack ?? err}`);
      describeView();
      return undefined;
    }
  };

  // One timer chain (never overlapping refreshes), alive only while the view is visible.
  const stop = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  const loop = async (full = false): Promise<void> => {
    stop();
    if (!view.visible || paused) return;
    await refresh(full);
    if (!view.visible || paused || timer) return;
    timer = setTimeout(() => void loop(), intervalMs());
  };
  ctx.track({ dispose: stop });
  // Shown again: everything may have changed meanwhile, so read everything once.
  ctx.track(view.onDidChangeVisibility(() => (view.visible ? void loop(true) : stop())));
  ctx.track(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('mpscope.processes.refreshIntervalMs') && view.visible) void loop();
    }),
  );
  // A launch recorded by the runner should show at once, not at the next tick (debounced: a
  // run reports many processes in a burst).
  let soon: NodeJS.Timeout | undefined;
  ctx.track(
    launchRegistry.onDidChange(() => {
      if (!view.visible || paused || soon) return;
      soon = setTimeout(() => {
        soon = undefined;
        void loop();
      }, 100);
    }),
  );
  ctx.track({ dispose: () => soon && clearTimeout(soon) });

  const setFilter = async (next: ProcessFilter): Promise<void> => {
    filter = next;
    await memento.update(FILTER_STATE_KEY, next);
    describeView();
    await refresh(true);
  };

  ctx.registerCommand('mpscope.processes.refresh', async () => {
    if (view.visible && !paused) await loop(true);
    else await refresh(true);
  });
  ctx.registerCommand('mpscope.processes.pause', () => {
    paused = true;
    stop();
    describeView();
  });
  ctx.registerCommand('mpscope.processes.resume', async () => {
    paused = false;
    describeView();
    await loop();
  });
  ctx.registerCommand('mpscope.processes.filter', async () => {
    const picks = (Object.keys(FILTER_LABELS) as ProcessFilter[]).map((f) => ({
      label: FILTER_LABELS[f],
      description: f === filter ? '(current)' : undefined,
      filter: f,
    }));
    const pick = await vscode.window.showQuickPick(picks, { title: 'Show in the Processes view', placeHolder: 'Filter' });
    if (pick) await setFilter(pick.filter);
  });
  ctx.registerCommand('mpscope.processes.scan', async () => {
    const tree = await refresh(true);
    if (!tree) throw new Error(lastError ?? 'could not read the process list');
    const found = tree.ordered.filter((n) => n.zombie || n.orphan);
    if (found.length === 0) {
      void vscode.window.showInformationMessage(`mpscope: no zombie or orphan processes among ${FILTER_LABELS[filter].toLowerCase()}.`);
      return;
    }
    const pick = await vscode.window.showQuickPick(
      found.map((n) => ({
        label: `${n.zombie ? '$(circle-slash)' : '$(warning)'} ${displayName(n)} (${n.pid})`,
        description: [n.zombie ? 'zombie' : '', n.orphan ? 'orphan' : ''].filter(Boolean).join(', '),
        detail: n.zombie ? zombieSummary(n, tree.model) : orphanSummary(n),
        key: n.key,
      })),
      { title: `Zombie and orphan processes (${FILTER_LABELS[filter].toLowerCase()})`, matchOnDescription: true, matchOnDetail: true },
    );
    if (!pick) return;
    await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
    await view.reveal(pick.key, { select: true, focus: true, expand: true });
  });

  registerProcessCommands({ ctx, monitor, provider, view, refresh });
  describeView();
  if (view.visible) void loop(true);

  api = {
    provider,
    decorations,
    view,
    monitor,
    launches: launchRegistry,
    get filter() {
      return filter;
    },
    get paused() {
      return paused;
    },
    refresh: () => refresh(true),
    setFilter,
  };
  ctx.track({ dispose: () => (api = undefined) });
  ctx.log.info(`processes: reading processes with ${monitor.source.id} (custom URI scheme ${PROCESS_URI_SCHEME})`);
}
