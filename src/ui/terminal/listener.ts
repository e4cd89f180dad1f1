// The long-lived listener that agents in terminal-started Python programs connect to. No
// `vscode` import. Connections are the runner's own AgentConnection (src/runner/channel.ts):
// the token check on the first line, message validation against the protocol and the request
// path are the same as in an mpscope run; only the server differs (one per window, long-lived,
// instead of one per run).
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as net from 'net';
import { AgentConnection } from '../../runner/channel';
import type { AgentMessage, Msg } from '../../runner/protocol';

export type Hello = Msg<'hello'>;
export type { AgentConnection, AgentMessage };

export interface AgentListenerEvents {
  /** A process said hello with the right token. */
  connection: [AgentConnection];
  /** A protocol problem of an authenticated agent, for the log. */
  protocolError: [string];
}

export class AgentListener extends EventEmitter<AgentListenerEvents> {
  private server: net.Server | undefined;
  private readonly connections = new Set<AgentConnection>();
  private readonly token: Buffer;

  constructor(
    readonly path: string,
    token: string,
  ) {
    super();
    this.token = Buffer.from(token);
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /**
   * Listens on the socket path. A socket file left by an earlier extension host that is gone is
   * replaced; one that still answers belongs to another live window, and is refused.
   */
  async listen(): Promise<void> {
    if (fs.existsSync(this.path)) {
      if (await answers(this.path)) throw new Error(`another VS Code window is listening on ${this.path}`);
      fs.rmSync(this.path, { force: true });
    }
    const server = net.createServer((socket) => {
      // Strangers (no hello, wrong token) are dropped by AgentConnection itself.
      const conn = new AgentConnection(socket, this.token, (error, pid) =>
        this.emit('protocolError', pid ? `pid ${pid}: ${error}` : error),
      );
      this.connections.add(conn);
      conn.on('hello', () => this.emit('connection', conn));
      conn.on('close', () => this.connections.delete(conn));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path: this.path, backlog: 1024 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    try {
      fs.chmodSync(this.path, 0o600);
    } catch {
      // the directory is private already
    }
    server.on('error', () => undefined);
    this.server = server;
  }

  /** Stops listening, closes every agent connection (their agents then stop quietly) and removes the socket. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(this.path, { force: true });
  }
}

/** Whether something accepts connections on the socket path. */
function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    const done = (v: boolean): void => {
      s.destroy();
      resolve(v);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    setTimeout(() => done(false), 1000).unref();
  });
}
