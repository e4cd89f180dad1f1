import * as vscode from 'vscode';

/**
 * Owns everything the extension creates, so that deactivation disposes of all of it in one place
 * (the rust-analyzer pattern). Features receive it instead of the raw ExtensionContext.
 */
export class MpscopeContext implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly extension: vscode.ExtensionContext) {
    this.log = this.track(vscode.window.createOutputChannel('mpscope', { log: true }));
  }

  /** Registers something to dispose of when the extension deactivates, and returns it. */
  track<T extends vscode.Disposable>(disposable: T): T {
    this.disposables.push(disposable);
    return disposable;
  }

  /**
   * Registers a command whose failures reach the user as one clear message (and the log),
   * never as an unhandled rejection.
   */
  registerCommand(id: string, handler: (...args: any[]) => unknown): void {
    this.track(
      vscode.commands.registerCommand(id, async (...args: any[]) => {
        try {
          return await handler(...args);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          this.log.error(`${id}: ${err instanceof Error && err.stack ? err.stack : message}`);
          void vscode.window.showErrorMessage(`mpscope: ${message}`);
          return undefined;
        }
      }),
    );
  }

  /** Path of a file shipped inside the extension (dist/, media/, src/agent/ ...). */
  asAbsolutePath(relative: string): string {
    return this.extension.asAbsolutePath(relative);
  }

  dispose(): void {
    while (this.disposables.length > 0) {
      try {
        this.disposables.pop()?.dispose();
      } catch (err) {
        console.error('mpscope: dispose failed', err);
      }
    }
  }
}

/** One feature of the extension: wires part of the core to VS Code. */
export type Feature = (ctx: MpscopeContext) => void | Promise<void>;
