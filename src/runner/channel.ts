// The runner's end of the private channel: a Unix socket in a fresh directory only this user
// can enter (mode 0700), and a random per-run token every process must present in its first
// line (hello). Newline-delimited JSON both ways. One connection = one process of the run.
import { EventEmitter } from 'events';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { pidExists } from '../procs/signals';
import { allClosed } from './allClosed';
import { validateMessage, type AgentMessage, type Msg } from './protocol';

/** A line longer than this is not a message of ours: the connection is dropped. */
const MAX_LINE = 16 * 1024 * 1024;
/** Before the hello, a connection may send at most this much. */
const MAX_UNAUTHENTICATED = 64 * 1024;
/** Unix socket paths are limited to 108 bytes on Linux (104 on macOS). */
const MAX_SOCKET_PATH = 100;

/**
 * Where a run's private directory may go, best first. Every process of the run creates two
 * small files there at start-up (its deadlock state, mpscope_agent/syncstate.py), and the
 * socket lives there: on a disk file system such as an ext4 /tmp, creating one costs about
 * 0.2 ms, on tmpfs a few microseconds (measured on the CI VM), and a Pool pays it in every
 * worker. So a RAM-backed directory first: $XDG_RUNTIME_DIR (the user's own, on desktops), then
 * /dev/shm (tmpfs on every Linux), then the temp directory. The run's directory itself is made
 * 0700 wherever it is.
 */
export function runDirCandidates(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string[] {
  const dirs = [env.XDG_RUNTIME_DIR, platform === 'linux' ? '/dev/shm' : undefined, os.tmpdir(), '/tmp'];
  return dirs.filter((d): d is string => !!d && path.isAbsolute(d)).filter((d, i, all) => all.indexOf(d) === i);
}

/**
 * A run directory is named after the process that made it (`mpscope-<pid>-XXXXXX`), so that one
 * left behind by a runner that died without cleaning up (an extension host killed, a CLI sent
 * SIGKILL) can be recognised and removed later: it sits in RAM (/dev/shm) until a reboot.
 */
const RUN_DIR = /^mpscope-(\d+)-[A-Za-z0-9]{6}$/;
const swept = new Set<string>();

/** Removes this user's run directories in `base` whose maker is gone (once per place and process). */
export function sweepStaleRunDirs(base: string): void {
  if (swept.has(base)) return;
  swept.add(base);
  removeLeftoversOfGonePids(base, [RUN_DIR]);
}

/**
 * Removes this user's entries of `dir` named after a process that is gone (the pid is the first
 * group of one of `patterns`): what a runner, or the agents of a program, left when they died
 * without cleaning up.
 */
export function removeLeftoversOfGonePids(dir: string, patterns: readonly RegExp[]): void {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = patterns.map((p) => p.exec(name)).find((x) => x !== null);
    if (!m || pidExists(Number(m[1]))) continue;
    const entry = path.join(dir, name);
    try {
      if (uid === undefined || fs.lstatSync(entry).uid === uid) fs.rmSync(entry, { recursive: true, force: true });
    } catch {
      // gone meanwhile
    }
  }
}

/** Makes the run's private directory in the first candidate where that works. */
export function makeRunDir(candidates: readonly string[]): string {
  const errors: string[] = [];
  const prefix = `mpscope-${process.pid}-`;
  for (const base of candidates) {
    if (path.join(base, `${prefix}XXXXXX`, 'agent.sock').length > MAX_SOCKET_PATH) {
      errors.push(`${base}: path too long for a socket`);
      continue;
    }
    sweepStaleRunDirs(base);
    try {
      const dir = fs.mkdtempSync(path.join(base, prefix));
      fs.chmodSync(dir, 0o700);
      return dir;
    } catch (e) {
      // not there, not ours to write, or full (/dev/shm is small in containers): the next one
      errors.push(`${base}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  throw new Error(`cannot make a private directory for the run (${errors.join('; ')})`);
}

export class AgentConnection extends EventEmitter {
  /** The process at the other end, from its hello. */
  hello?: Msg<'hello'>;
  connectedAt = Date.now();
  closedAt?: number;
  private buf = '';
  private authenticated = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly token: Buffer,
    private readonly onProtocolError: (error: string, pid?: number) => void,
  ) {
    super();
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', () => {
      // ECONNRESET when a process is killed: the close event follows
    });
    socket.on('close', () => {
      this.closedAt = Date.now();
      this.emit('close', this.closedAt);
    });
  }

  get pid(): number | undefined {
    return this.hello?.pid;
  }

  get closed(): boolean {
    return this.closedAt !== undefined;
  }

  /** Writes one request line. Returns false when the connection is gone. */
  send(obj: Record<string, unknown>): boolean {
    if (this.closed || this.socket.destroyed) return false;
    this.socket.write(JSON.stringify(obj) + '\n');
    return true;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    if (this.buf.length > (this.authenticated ? MAX_LINE : MAX_UNAUTHENTICATED) && !this.buf.includes('\n')) {
      this.onProtocolError('line too long', this.pid);
      this.socket.destroy();
      return;
    }
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (line.trim() === '') continue;
      if (!this.onLine(line)) {
        this.socket.destroy();
        this.buf = '';
        return;
      }
    }
  }

  private onLine(line: string): boolean {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      this.onProtocolError(`not JSON: ${line.slice(0, 80)}`, this.pid);
      return this.authenticated;
    }
    if (!this.authenticated) {
      const o = raw as Record<string, unknown>;
      const token = typeof o?.token === 'string' ? Buffer.from(o.token) : Buffer.alloc(0);
      if (o?.t !== 'hello' || token.length !== this.token.length || !crypto.timingSafeEqual(token, this.token)) {
        // A stranger: dropped without an answer. Counted, so that a run whose own processes
        // present another token (a misrouted environment) says so in its report.
        this.onProtocolError(`dropped a connection that did not present this run's token (first line: ${o?.t === 'hello' ? `hello from pid ${String(o.pid)}, token ${token.length ? 'wrong' : 'missing'}` : 'not a hello'})`);
        return false;
      }
    }
    const checked = validateMessage(raw);
    if ('error' in checked) {
      this.onProtocolError(checked.error, this.pid);
      return this.authenticated;
    }
    if (!this.authenticated) {
      this.authenticated = true;
      this.hello = checked.msg as Msg<'hello'>;
      this.emit('hello', this.hello);
      return true;
    }
    this.emit('message', checked.msg as AgentMessage);
    return true;
  }
}

/** Resolves after n turns of the event loop, each with a poll phase (pending I/O is handled). */
function nextPollPhases(n: number): Promise<void> {
  return new Promise((resolve) => {
    const step = (left: number) => (left === 0 ? resolve() : setImmediate(() => step(left - 1)));
    step(n);
  });
}

/** The run's socket server. Emits 'connection' (AgentConnection) once a process said hello. */
export class AgentServer extends EventEmitter {
  readonly connections = new Set<AgentConnection>();
  readonly protocolErrors: string[] = [];
  private closed = false;
  /** Connections accepted so far (drain() watches it for late arrivals). */
  private accepted = 0;

  private constructor(
    readonly dir: string,
    readonly socketPath: string,
    readonly token: string,
    private readonly server: net.Server,
  ) {
    super();
  }

  static async create(env: NodeJS.ProcessEnv = process.env): Promise<AgentServer> {
    const dir = makeRunDir(runDirCandidates(env));
    const socketPath = path.join(dir, 'agent.sock');
    const token = crypto.randomBytes(24).toString('hex');
    const server = net.createServer();
    const self = new AgentServer(dir, socketPath, token, server);
    const tokenBuf = Buffer.from(token);
    server.on('connection', (socket) => {
      self.accepted++;
      const conn = new AgentConnection(socket, tokenBuf, (error, pid) => {
        if (self.protocolErrors.length < 100) self.protocolErrors.push(pid ? `pid ${pid}: ${error}` : error);
      });
      self.connections.add(conn);
      conn.on('hello', () => self.emit('connection', conn));
      conn.on('close', () => {
        if (!conn.hello) self.connections.delete(conn);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path: socketPath, backlog: 1024 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    fs.chmodSync(socketPath, 0o600);
    return self;
  }

  /**
   * For the end of a run (its processes are gone): resolves once every connection they made has
   * been read to its end, or after timeoutMs. A runner whose event loop was busy while a short run
   * came and went sees all of it at once: connections still in the listening socket's queue, and
   * accepted ones whose hello is not read yet. So it lets pending I/O in first (an accept, then a
   * first read, take a poll phase each), waits for every accepted connection to close, and does
   * that again while new ones keep arriving. `except`: a connection not to wait for.
   */
  async drain(timeoutMs: number, except?: AgentConnection): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen = -1;
    while (seen !== this.accepted && Date.now() < deadline) {
      seen = this.accepted;
      await nextPollPhases(2);
      await allClosed([...this.connections].filter((c) => !c.closed && c !== except), deadline - Date.now());
    }
  }

  /** Whether the listening socket keeps Node's event loop alive (not while it waits for a run). */
  setRef(on: boolean): void {
    if (on) this.server.ref();
    else this.server.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.connections) c.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
