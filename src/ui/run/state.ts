import * as vscode from 'vscode';
import type { ReportModel } from '../../runner/view/model';

/**
 * What the editor knows about the current (or last) mpscope run, shared by the run commands
 * (which write it), and the annotations, Findings view, status bar and report (which read it).
 * One per extension host.
 */
export class RunState implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  /** Fires after any change. */
  readonly onDidChange = this.emitter.event;

  private _report: ReportModel | undefined;
  private _live = false;
  private _deadlockLive = false;
  private _script: string | undefined;
  private _generation = 0;

  /** The latest report: a live snapshot while the run goes on, the final report after. */
  get report(): ReportModel | undefined {
    return this._report;
  }
  /** The run's processes are still running. */
  get live(): boolean {
    return this._live;
  }
  /** A deadlock was found and its processes are kept alive for the user to look at. */
  get deadlockLive(): boolean {
    return this._deadlockLive;
  }
  /** Absolute path of the script of the current or last run. */
  get script(): string | undefined {
    return this._script;
  }
  /** Increases with every new run, so listeners can tell a new run from an update. */
  get generation(): number {
    return this._generation;
  }

  /** A new run starts: everything about the previous one is dropped. */
  begin(script: string): void {
    this._generation++;
    this._script = script;
    this._report = undefined;
    this._live = true;
    this._deadlockLive = false;
    this.emitter.fire();
  }

  update(report: ReportModel, opts: { live: boolean; deadlockLive?: boolean }): void {
    this._report = report;
    this._live = opts.live;
    this._deadlockLive = opts.live && (opts.deadlockLive ?? report.findings.some((f) => f.kind === 'deadlock'));
    this.emitter.fire();
  }

  /** The run ended (its processes are gone); the report stays. */
  end(): void {
    this._live = false;
    this._deadlockLive = false;
    this.emitter.fire();
  }

  /** Forget the run entirely (the user cleared it). */
  clear(): void {
    this._report = undefined;
    this._live = false;
    this._deadlockLive = false;
    this._script = undefined;
    this.emitter.fire();
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
