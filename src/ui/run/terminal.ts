import * as vscode from 'vscode';
import { LineEditor, OutputFormatter } from '../../runner/view/terminal-text';

/**
 * The terminal a run's output appears in: a Pseudoterminal, so that mpscope (not a shell) owns
 * the process and can follow it. The program's stdin is a pipe; this terminal echoes what the
 * user types and sends it a line at a time (like a terminal in cooked mode). Ctrl-C interrupts
 * the run, Ctrl-D closes stdin.
 */
export class RunTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;

  private formatter: OutputFormatter;
  private readonly editor = new LineEditor();
  private opened = false;
  /** Text written before VS Code opened the terminal (it drops writes until then). */
  private backlog: string[] = [];
  private openedResolve!: () => void;
  /** Resolves when VS Code has opened the terminal. */
  readonly whenOpened = new Promise<void>((r) => (this.openedResolve = r));
  private userClosed = false;
  /** The last 64 KiB of what the terminal showed, without colours (the log and tests read it). */
  private shown = '';

  /** Set by the run: where typed lines, Ctrl-C and Ctrl-D go. */
  input: { line(text: string): void; interrupt(): void; eof(): void } | undefined;
  /** Called when the user closes the terminal (the run is stopped). */
  onUserClose: (() => void) | undefined;

  constructor(prefixOutput: boolean) {
    this.formatter = new OutputFormatter(prefixOutput);
  }

  open(): void {
    this.opened = true;
    for (const text of this.backlog) this.writeEmitter.fire(text);
    this.backlog = [];
    this.openedResolve();
  }

  close(): void {
    this.userClosed = true;
    this.onUserClose?.();
  }

  get closedByUser(): boolean {
    return this.userClosed;
  }

  handleInput(data: string): void {
    const r = this.editor.feed(data);
    if (r.echo) this.write(r.echo);
    // The echo's newline ended the line: the program's next output starts a new, prefixed one.
    if (r.echo.endsWith('\r\n')) this.formatter.lineEnded();
    for (const line of r.lines) this.input?.line(line);
    if (r.interrupt) this.input?.interrupt();
    if (r.eof) this.input?.eof();
  }

  /** A fresh run in this terminal: new prefix colours, a clean line. */
  reset(prefixOutput: boolean): void {
    this.write(this.formatter.finishLine());
    this.formatter = new OutputFormatter(prefixOutput);
  }

  output(data: string, stream: 'stdout' | 'stderr', who?: string): void {
    this.write(this.formatter.format(data, who, stream));
  }

  /** A line of mpscope's own, dimmed, on a line of its own. */
  info(text: string): void {
    this.write(`${this.formatter.finishLine()}\x1b[2m${text.replace(/\r?\n/g, '\r\n')}\x1b[0m\r\n`);
  }

  /** A line of mpscope's own in the error colour. */
  error(text: string): void {
    this.write(`${this.formatter.finishLine()}\x1b[31m${text.replace(/\r?\n/g, '\r\n')}\x1b[0m\r\n`);
  }

  /** Ends the terminal's life (a task's terminal then shows "press any key to close"). */
  exit(code: number): void {
    this.closeEmitter.fire(code);
  }

  get transcript(): string {
    return this.shown;
  }

  private write(text: string): void {
    if (!text) return;
    this.shown = (this.shown + text.replace(/\x1b\[[0-9;]*m/g, '')).slice(-65536);
    if (this.opened) this.writeEmitter.fire(text);
    else this.backlog.push(text);
  }

  dispose(): void {
    this.writeEmitter.dispose();
    this.closeEmitter.dispose();
  }
}
