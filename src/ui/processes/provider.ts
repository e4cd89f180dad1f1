// The Processes tree: elements are process keys (pid + start time), so the ids VS Code keeps
// expansion and selection by stay the same across refreshes, and a reused pid is a new row.
import * as vscode from 'vscode';
import type { ProcessNode, ProcessTree } from '../../procs';
import { processTreeItem } from './item';

/**
 * Rows that another feature puts at the top of the tree (the "Run: script.py" node of an mpscope
 * run, src/ui/run/run-node.ts). Its element ids all start with `run:`, which no process key does.
 */
export interface RunNodeSource {
  readonly onDidChange: vscode.Event<void>;
  roots(): string[];
  children(id: string): string[];
  parent(id: string): string | undefined;
  item(id: string): vscode.TreeItem;
}

const isRunId = (id: string): boolean => id.startsWith('run:');

export class ProcessTreeProvider implements vscode.TreeDataProvider<string> {
  private tree: ProcessTree | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private runSource: RunNodeSource | undefined;

  /** Shows a run's rows above the processes (see RunNodeSource). */
  setRunNodeSource(source: RunNodeSource): vscode.Disposable {
    this.runSource = source;
    const sub = source.onDidChange(() => this.changed.fire());
    this.changed.fire();
    return {
      dispose: () => {
        sub.dispose();
        if (this.runSource === source) this.runSource = undefined;
        this.changed.fire();
      },
    };
  }

  /** The tree on screen (undefined before the first snapshot). */
  get current(): ProcessTree | undefined {
    return this.tree;
  }

  update(tree: ProcessTree): void {
    this.tree = tree;
    this.changed.fire();
  }

  node(key: string): ProcessNode | undefined {
    return this.tree?.model.nodes.get(key);
  }

  /** The row of a pid in the tree on screen. */
  keyOfPid(pid: number): string | undefined {
    const n = this.tree?.model.byPid.get(pid);
    return n && this.tree && (this.tree.parents.has(n.key) || this.tree.roots.includes(n.key)) ? n.key : undefined;
  }

  getChildren(key?: string): string[] {
    if (key !== undefined && isRunId(key)) return this.runSource?.children(key) ?? [];
    const runRoots = key === undefined ? (this.runSource?.roots() ?? []) : [];
    if (!this.tree) return runRoots;
    return key === undefined ? [...runRoots, ...this.tree.roots] : (this.tree.children.get(key) ?? []);
  }

  getParent(key: string): string | undefined {
    if (isRunId(key)) return this.runSource?.parent(key);
    return this.tree?.parents.get(key);
  }

  getTreeItem(key: string): vscode.TreeItem {
    if (isRunId(key) && this.runSource) return this.runSource.item(key);
    const node = this.node(key);
    if (!node || !this.tree) {
      // Asked about a row that the last refresh removed: it exited.
      const gone = new vscode.TreeItem(`process ${key.split(':')[0]} (exited)`);
      gone.id = key;
      return gone;
    }
    return processTreeItem(node, this.tree);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
