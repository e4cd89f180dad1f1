// Which process wrote each piece of a run's output (mpscope.run.prefixOutput).
//
// Every process of a run shares the run's stdout and stderr pipes. With prefixOutput on, the
// agent (src/agent/mpscope_agent/output.py) starts each write to sys.stdout/sys.stderr, and each
// line inside it, with a private tag: ESC ] 6973 ; <pid> BEL (core.json "outputTag"). A tag holds
// until the end of its line; text after a newline with no tag of its own (os.write, C code,
// subprocesses that are not Python) belongs to nobody. Here the tags are taken out again, also
// when a pipe read splits one in two, and each piece of text gets its writer's pid (the parser)
// and then its name from the run model (the attributor).
import { StringDecoder } from 'string_decoder';
import coreJson from '../agent/mpscope_agent/protocol/core.json';
import type { ProcessRecord, RunModel } from './model';
import type { Session } from './session';

export const OUTPUT_TAG_OSC: number = coreJson.outputTag.osc;
const TAG_START = `\x1b]${OUTPUT_TAG_OSC};`;
const TAG_END = '\x07';
/** Longer than any pid: a run of digits this long is not one of our tags. */
const MAX_PID_DIGITS = 10;

/** Text and the pid of the process that wrote it (null: untagged). */
export interface OutputPiece {
  pid: number | null;
  text: string;
}

/** The tag the agent writes for `pid` (tests and tools). */
export function outputTag(pid: number): string {
  return `${TAG_START}${pid}${TAG_END}`;
}

type TagScan =
  | { kind: 'tag'; pid: number; next: number }
  /** Not ours: the ESC is the program's text. */
  | { kind: 'text' }
  /** Could still become a tag: wait for the next chunk. */
  | { kind: 'partial' }
  /** Began like a tag but is not one (a foreign write cut it): dropped, never shown raw. */
  | { kind: 'broken'; next: number };

/** Takes the tags out of one stream's text, chunk by chunk. */
export class OutputTagParser {
  /** Writer of the current line (until its newline). */
  private owner: number | null = null;
  /** The end of the last chunk, when it may be the start of a tag. */
  private held = '';

  feed(chunk: string): OutputPiece[] {
    const data = this.held + chunk;
    this.held = '';
    const out: OutputPiece[] = [];
    let i = 0;
    while (i < data.length) {
      const esc = data.indexOf('\x1b', i);
      if (esc < 0) {
        this.text(data.slice(i), out);
        break;
      }
      if (esc > i) this.text(data.slice(i, esc), out);
      const scan = scanTag(data, esc);
      if (scan.kind === 'partial') {
        this.held = data.slice(esc);
        break;
      }
      if (scan.kind === 'text') {
        this.text('\x1b', out);
        i = esc + 1;
      } else {
        if (scan.kind === 'tag') this.owner = scan.pid;
        i = scan.next;
      }
    }
    return out;
  }

  /** The stream ended: what was held back is text, unless it began like a tag. */
  end(): OutputPiece[] {
    const out: OutputPiece[] = [];
    if (this.held && !this.held.startsWith(TAG_START)) this.text(this.held, out);
    this.held = '';
    this.owner = null;
    return out;
  }

  private text(text: string, out: OutputPiece[]): void {
    let start = 0;
    while (start < text.length) {
      const nl = text.indexOf('\n', start);
      const end = nl < 0 ? text.length : nl + 1;
      push(out, this.owner, text.slice(start, end));
      if (nl >= 0) this.owner = null; // a tag holds until the end of its line
      start = end;
    }
  }
}

function push(out: OutputPiece[], pid: number | null, text: string): void {
  const last = out[out.length - 1];
  if (last && last.pid === pid) last.text += text;
  else out.push({ pid, text });
}

function scanTag(data: string, at: number): TagScan {
  const rest = data.length - at;
  if (rest < TAG_START.length) return TAG_START.startsWith(data.slice(at)) ? { kind: 'partial' } : { kind: 'text' };
  if (!data.startsWith(TAG_START, at)) return { kind: 'text' };
  let j = at + TAG_START.length;
  while (j < data.length && j - at - TAG_START.length < MAX_PID_DIGITS && data[j] >= '0' && data[j] <= '9') j++;
  const digits = j - at - TAG_START.length;
  if (j === data.length) return { kind: 'partial' };
  if (data[j] === TAG_END && digits > 0) return { kind: 'tag', pid: Number(data.slice(at + TAG_START.length, j)), next: j + 1 };
  return { kind: 'broken', next: j };
}

export type OutputStream = 'stdout' | 'stderr';

/**
 * The name to show for `pid`, or undefined while it may still become known. With `giveUp`
 * it must answer.
 */
export type NameOf = (pid: number, giveUp: boolean) => string | undefined;

/** Receives attributed output: `who` is the writer's name, undefined for untagged text. */
export type AttributedSink = (text: string, stream: OutputStream, who: string | undefined) => void;

interface Queued {
  stream: OutputStream;
  pid: number | null;
  text: string;
  at: number;
}

/**
 * Both streams of a run, tags taken out, each piece handed on with its writer's name, in the
 * order it arrived. A process's name can reach the runner (on the agent's socket) a little after
 * its first output (on the pipe): output of a process with no name yet waits for it, up to
 * waitMs once per process (only a process whose agent failed to connect
 * makes it wait that long), and everything after it waits too, so that the order never changes.
 */
export class OutputAttributor {
  private readonly parsers: Record<OutputStream, OutputTagParser> = {
    stdout: new OutputTagParser(),
    stderr: new OutputTagParser(),
  };
  private readonly queue: Queued[] = [];
  /** Processes whose output has been handed on: never waited for again. */
  private readonly named = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private settling: NodeJS.Immediate | undefined;

  constructor(
    private readonly nameOf: NameOf,
    private readonly sink: AttributedSink,
    private readonly waitMs = 1000,
  ) {}

  push(stream: OutputStream, chunk: string): void {
    this.enqueue(stream, this.parsers[stream].feed(chunk));
    this.drain(false);
  }

  end(stream: OutputStream): void {
    this.enqueue(stream, this.parsers[stream].end());
    this.drain(false);
  }

  /** A name may have become known (the run model changed). */
  refresh(): void {
    if (this.queue.length > 0) this.drain(false);
  }

  /** Hands on everything now, with fallback names where none is known (the run ended). */
  flush(): void {
    this.drain(true);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.settling) clearImmediate(this.settling);
    this.timer = undefined;
    this.settling = undefined;
  }

  private enqueue(stream: OutputStream, pieces: OutputPiece[]): void {
    const at = Date.now();
    for (const p of pieces) if (p.text) this.queue.push({ stream, pid: p.pid, text: p.text, at });
  }

  private drain(giveUp: boolean): void {
    while (this.queue.length > 0) {
      const head = this.queue[0];
      let who: string | undefined;
      if (head.pid !== null) {
        const mayWait = !giveUp && !this.named.has(head.pid) && Date.now() - head.at < this.waitMs;
        who = this.nameOf(head.pid, !mayWait);
        if (who === undefined) {
          this.wakeAt(head.at + this.waitMs);
          return;
        }
        this.named.add(head.pid);
      }
      this.queue.shift();
      this.sink(head.text, head.stream, who);
    }
    this.dispose();
  }

  private wakeAt(time: number): void {
    if (this.timer || this.settling) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        // The name is normally on the agent's socket before the output is on the pipe (a process
        // says hello before it runs any code of the program). After a stall of the event loop
        // (a busy extension host) this timer can fire before that socket was read: let pending
        // I/O in first (an accepted connection needs a second poll before its data is read).
        this.settling = setImmediate(() => {
          this.settling = setImmediate(() => {
            this.settling = undefined;
            this.drain(false);
          });
        });
      },
      Math.max(0, time - Date.now()),
    );
  }
}

/**
 * The name a run's process goes by in the prefix: its multiprocessing name (MainProcess,
 * Process-1, SpawnPoolWorker-2...). A process whose hello says it will get no such name (a Python
 * subprocess, a helper, a plain os.fork child) is "pid N" at once; others may still get theirs.
 */
export function processLabel(model: RunModel, pid: number, giveUp: boolean): string | undefined {
  const p = model.processes.get(pid);
  if (p?.name) return p.name;
  return giveUp || (p !== undefined && nameless(model, p)) ? `pid ${pid}` : undefined;
}

function nameless(model: RunModel, p: ProcessRecord): boolean {
  if (!p.python) return false; // no hello yet
  if (p.role === 'subprocess' || p.role === 'helper') return true;
  // A forkserver's children say hello as forks and learn their Process a moment later.
  const parent = p.osPpid === null ? undefined : model.processes.get(p.osPpid);
  return p.role === 'fork' && parent?.helper !== 'forkserver';
}

/**
 * Reads a started session's stdout and stderr (pipes) and hands on their text with the writers'
 * names. Everything is handed on before the session's 'end' event reaches later listeners, so
 * attach this before listening for 'end'.
 */
export function attributeSessionOutput(session: Session, sink: AttributedSink, waitMs?: number): OutputAttributor {
  const attributor = new OutputAttributor((pid, giveUp) => processLabel(session.model, pid, giveUp), sink, waitMs);
  for (const [stream, readable] of [
    ['stdout', session.stdout],
    ['stderr', session.stderr],
  ] as const) {
    if (!readable) continue;
    const decoder = new StringDecoder('utf8');
    readable.on('data', (chunk: Buffer) => attributor.push(stream, decoder.write(chunk)));
    readable.on('end', () => {
      attributor.push(stream, decoder.end());
      attributor.end(stream);
    });
  }
  session.on('process', () => attributor.refresh());
  session.on('end', () => attributor.flush());
  return attributor;
}
