// The private channel: a 0700 directory, a per-run token, nothing on the network.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { AgentServer, makeRunDir, runDirCandidates, type AgentConnection } from '../../../src/runner/channel';

function connect(path: string, line: string): Promise<{ closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.createConnection(path, () => s.write(line + '\n'));
    let closed = false;
    s.on('close', () => {
      closed = true;
      resolve({ closed });
    });
    s.on('error', () => undefined);
    setTimeout(() => {
      s.destroy();
      resolve({ closed });
    }, 500);
  });
}

describe('runner: private channel', () => {
  let server: AgentServer;
  beforeEach(async () => (server = await AgentServer.create()));
  afterEach(async () => server.close());

  const hello = (token: string) =>
    JSON.stringify({ t: 'hello', ts: Date.now(), token, pid: 4242, ppid: 1, role: 'main', argv: [], executable: '', python: '3.11.7', cwd: '/' });

  it('lives in a directory only this user can enter, as a Unix socket', () => {
    assert.strictEqual(fs.statSync(server.dir).mode & 0o777, 0o700);
    assert.ok(fs.statSync(server.socketPath).isSocket());
    assert.match(server.token, /^[0-9a-f]{48}$/);
  });

  it('is made on tmpfs when there is one: every process creates its state files there at start-up', function () {
    if (process.platform !== 'linux') this.skip();
    // Without $XDG_RUNTIME_DIR (CI, containers, ssh) that is /dev/shm, not a disk-backed /tmp.
    const env = { ...process.env, XDG_RUNTIME_DIR: undefined };
    assert.deepStrictEqual(runDirCandidates(env).slice(0, 1), ['/dev/shm']);
    assert.deepStrictEqual(runDirCandidates({ XDG_RUNTIME_DIR: '/run/user/1000' }, 'linux').slice(0, 2), ['/run/user/1000', '/dev/shm']);
    assert.ok(!runDirCandidates({}, 'darwin').includes('/dev/shm'));
    assert.ok(!runDirCandidates({ XDG_RUNTIME_DIR: 'relative/dir' }, 'linux').includes('relative/dir'));
    if (fs.existsSync('/dev/shm') && process.env.XDG_RUNTIME_DIR === undefined) assert.strictEqual(path.dirname(server.dir), '/dev/shm');
  });

  it('names the run directory after its maker, and removes those of makers that are gone', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-test-'));
    try {
      // A pid that was used and is free now: a child that has exited and been reaped.
      const dead = spawnSync('true').pid!;
      const stale = path.join(tmp, `mpscope-${dead}-Ab12Cd`);
      const live = path.join(tmp, `mpscope-${process.ppid}-Ab12Cd`);
      const other = path.join(tmp, 'mpscope-examples');
      for (const d of [stale, live, other]) fs.mkdirSync(d);
      fs.writeFileSync(path.join(stale, 'sync-1.state'), '');
      const dir = makeRunDir([tmp]);
      assert.match(path.basename(dir), new RegExp(`^mpscope-${process.pid}-[A-Za-z0-9]{6}$`));
      assert.strictEqual(fs.existsSync(stale), false, 'the directory of a runner that is gone');
      assert.ok(fs.existsSync(live), 'a live process may still use its directory');
      assert.ok(fs.existsSync(other), 'not a run directory');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('falls back to the next place when one cannot take the run directory, and says why when none can', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-test-'));
    try {
      const notADir = path.join(tmp, 'file');
      fs.writeFileSync(notADir, '');
      const dir = makeRunDir([notADir, path.join(tmp, 'missing'), tmp]);
      assert.strictEqual(path.dirname(dir), tmp);
      assert.strictEqual(fs.statSync(dir).mode & 0o777, 0o700);
      assert.throws(() => makeRunDir([notADir, 'x'.repeat(120)]), /cannot make a private directory for the run \(.*file: ENOTDIR; x+: path too long for a socket\)/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('drops a connection whose hello has the wrong token', async () => {
    let connections = 0;
    server.on('connection', () => connections++);
    const r = await connect(server.socketPath, hello('not-the-token'));
    assert.strictEqual(r.closed, true);
    assert.strictEqual(connections, 0);
    // Without an answer to the stranger, but the run's report says that it happened.
    assert.deepStrictEqual(server.protocolErrors, ["dropped a connection that did not present this run's token (first line: hello from pid 4242, token wrong)"]);
  });

  it('drops a connection that does not start with a hello', async () => {
    const r = await connect(server.socketPath, JSON.stringify({ t: 'fork', ts: 1, child: 1, token: server.token }));
    assert.strictEqual(r.closed, true);
    assert.deepStrictEqual(server.protocolErrors, ["dropped a connection that did not present this run's token (first line: not a hello)"]);
  });

  it('accepts the right token and passes on validated messages', async () => {
    const got = new Promise<AgentConnection>((resolve) => server.once('connection', resolve));
    const s = net.createConnection(server.socketPath, () => s.write(hello(server.token) + '\n'));
    const conn = await got;
    assert.strictEqual(conn.pid, 4242);
    const msg = new Promise((resolve) => conn.once('message', resolve));
    s.write(JSON.stringify({ t: 'fork', ts: 2, child: 7 }) + '\n' + JSON.stringify({ t: 'bogus', ts: 3 }) + '\n');
    assert.deepStrictEqual(await msg, { t: 'fork', ts: 2, child: 7 });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepStrictEqual(server.protocolErrors, ['pid 4242: unknown message kind "bogus"']);
    s.destroy();
  });

  it('removes its directory when closed', async () => {
    const dir = server.dir;
    await server.close();
    assert.ok(!fs.existsSync(dir));
  });
});
