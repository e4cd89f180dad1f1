// Text handling for the run's terminal (a VS Code Pseudoterminal): output from the run's
// processes becomes terminal text, optionally prefixed per line with the process that wrote it,
// and keystrokes become lines for the program's stdin. The program's stdin is a pipe, not a tty,
// so nothing echoes what the user types; this does, with a minimal line editor like a cooked tty.

const ESC = '\x1b[';
/** Distinct, readable ANSI colours for process prefixes (the terminal maps them to the theme). */
const PREFIX_COLORS = [36, 33, 35, 32, 34, 96, 93, 95, 92, 94];

/**
 * Turns output chunks into terminal text. A chunk may end mid-line; a prefix is written only at
 * the start of a line, and the partial line of one process (or stream) is finished with a newline
 * before another writes (otherwise their text would interleave on one line under one prefix).
 * A carriage return that is not a line end (a progress counter redrawing its line) writes the
 * prefix again, so that the redrawn text does not overwrite it.
 */
export class OutputFormatter {
  private atLineStart = true;
  private lastKey: string | undefined;
  private readonly colors = new Map<string, number>();

  constructor(private readonly prefix: boolean) {}

  /** `who` names the writer ("Process-1"), undefined when unknown; `stream` is 'stderr' for red text. */
  format(data: string, who?: string, stream: 'stdout' | 'stderr' = 'stdout'): string {
    if (data.length === 0) return '';
    let out = '';
    const key = `${stream}:${who ?? ''}`;
    if (this.prefix && !this.atLineStart && this.lastKey !== key) {
      out += '\r\n';
      this.atLineStart = true;
    }
    this.lastKey = key;
    const prefix = this.prefix && who ? this.prefixFor(who) : '';
    const color = stream === 'stderr' ? `${ESC}31m` : '';
    const pieces = data.split(/\r?\n/);
    pieces.forEach((piece, i) => {
      const last = i === pieces.length - 1;
      if (piece.length > 0) {
        if (this.atLineStart) out += prefix;
        const body = prefix ? piece.replace(/\r/g, `\r${prefix}${color}`) : piece;
        out += color ? `${color}${body}${ESC}0m` : body;
        this.atLineStart = false;
      }
      if (!last) {
        out += '\r\n';
        this.atLineStart = true;
      }
    });
    return out;
  }

  /** The cursor is at the start of a line now (the echo of what the user typed ended one). */
  lineEnded(): void {
    this.atLineStart = true;
  }

  /** Text that ends any partial line, before mpscope writes its own lines. */
  finishLine(): string {
    if (this.atLineStart) return '';
    this.atLineStart = true;
    return '\r\n';
  }

  private prefixFor(who: string): string {
    let color = this.colors.get(who);
    if (color === undefined) {
      color = PREFIX_COLORS[this.colors.size % PREFIX_COLORS.length];
      this.colors.set(who, color);
    }
    return `${ESC}${color}m[${who}]${ESC}0m `;
  }
}

/** What a keystroke chunk means for the program. */
export interface InputResult {
  /** Text to write to the terminal (the echo). */
  echo: string;
  /** Complete lines for the program's stdin, each ending in "\n". */
  lines: string[];
  /** Ctrl-C: interrupt the run. */
  interrupt: boolean;
  /** Ctrl-D on an empty line: close the program's stdin. */
  eof: boolean;
}

/** A minimal cooked-mode line editor: echo, backspace, Enter, Ctrl-C, Ctrl-D, Ctrl-U. */
export class LineEditor {
  private line = '';

  feed(data: string): InputResult {
    const res: InputResult = { echo: '', lines: [], interrupt: false, eof: false };
    // Escape sequences (arrow keys...) are not editing commands here: drop them whole.
    const cleaned = data.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1bO./g, '');
    for (const ch of cleaned) {
      if (ch === '\r' || ch === '\n') {
        res.lines.push(`${this.line}\n`);
        res.echo += '\r\n';
        this.line = '';
      } else if (ch === '\x7f' || ch === '\b') {
        if (this.line.length > 0) {
          const chars = [...this.line];
          chars.pop();
          this.line = chars.join('');
          res.echo += '\b \b';
        }
      } else if (ch === '\x03') {
        res.interrupt = true;
        res.echo += '^C\r\n';
        this.line = '';
      } else if (ch === '\x04') {
        if (this.line.length === 0) res.eof = true;
        else {
          res.lines.push(this.line);
          this.line = '';
        }
      } else if (ch === '\x15') {
        res.echo += '\b \b'.repeat([...this.line].length);
        this.line = '';
      } else if (ch >= ' ' || ch === '\t') {
        this.line += ch;
        res.echo += ch;
      }
    }
    return res;
  }

  /** The line typed so far (not yet sent). */
  get pending(): string {
    return this.line;
  }
}
