// The language server as a real process, spoken to over LSP (stdio): diagnostics as a document
// opens and changes, quick fixes as code actions, settings through workspace/configuration, and
// the workspace-wide lint request. Uses dist/server.js (`npm run build`), else the TS entry.
import * as assert from 'assert';
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import {
  CodeActionRequest,
  ConfigurationRequest,
  createProtocolConnection,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type CodeAction,
  type Diagnostic,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { applyEdits } from '../../../src/lint/text';
import { LineIndex } from '../../../src/lint/text';

const ROOT = path.join(__dirname, '..', '..', '..');
const BUNDLE = path.join(ROOT, 'dist', 'server.js');

const SOURCE = [
  'import multiprocessing as mp',
  '',
  '',
  'def work(q):',
  '    q.put(1)',
  '',
  '',
  'q = mp.Queue()',
  'p = mp.Process(target=work, args=(q,))',
  'p.start()',
  'p.join()',
  'print(q.get())',
  '',
].join('\n');

interface Server {
  proc: ChildProcess;
  conn: ProtocolConnection;
  diagnostics: Map<string, PublishDiagnosticsParams[]>;
  settings: Record<string, unknown>;
}

function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 15000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const v = check();
      if (v !== undefined) return resolve(v);
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

describe('lint language server over LSP', function () {
  this.timeout(60000);
  let server: Server;
  let dir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-lsp-'));
    fs.writeFileSync(path.join(dir, 'on_disk.py'), SOURCE);
    fs.writeFileSync(path.join(dir, 'clean.py'), 'import multiprocessing\n');
    const args = fs.existsSync(BUNDLE) ? [BUNDLE, '--stdio'] : ['--require', 'tsx/cjs', path.join(ROOT, 'src/server/server.ts'), '--stdio'];
    const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    const conn = createProtocolConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    const diagnostics = new Map<string, PublishDiagnosticsParams[]>();
    server = { proc, conn, diagnostics, settings: { enable: true, rules: {}, startMethod: 'spawn' } };
    conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      const list = diagnostics.get(p.uri) ?? [];
      list.push(p);
      diagnostics.set(p.uri, list);
    });
    conn.onRequest(ConfigurationRequest.type, (p) => p.items.map(() => server.settings));
    conn.onRequest(RegistrationRequest.type, () => undefined);
    conn.listen();
    const init = await conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(dir).href,
      capabilities: { workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } } },
      workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'ws' }],
    });
    assert.strictEqual(init.serverInfo?.name, 'mpscope');
    await conn.sendNotification(InitializedNotification.type, {});
  });

  after(async () => {
    try {
      await Promise.race([server.conn.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 3000))]);
      await server.conn.sendNotification(ExitNotification.type);
    } catch {
      // the process may already be gone
    }
    server.conn.dispose();
    if (server.proc.exitCode === null) server.proc.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const uri = () => pathToFileURL(path.join(dir, 'edited.py')).href;
  const latest = (u: string) => server.diagnostics.get(u)?.slice(-1)[0];

  it('publishes diagnostics when a document opens', async () => {
    await server.conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: uri(), languageId: 'python', version: 1, text: SOURCE },
    });
    const published = await waitFor('diagnostics', () => latest(uri()));
    const byCode = published.diagnostics.map((d) => [d.code, d.range.start.line, d.severity, d.source]);
    assert.deepStrictEqual(byCode, [
      ['MP001', 9, 1, 'mpscope'], // error: settings say spawn
      ['MP003', 10, 2, 'mpscope'],
    ]);
    const mp003 = published.diagnostics[1];
    assert.strictEqual(mp003.relatedInformation?.[0].location.range.start.line, 11);
  });

  it('offers the quick fixes as code actions, and the fix clears the diagnostic', async () => {
    const diag = latest(uri())!.diagnostics.find((d) => d.code === 'MP003') as Diagnostic;
    const actions = (await server.conn.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: uri() },
      range: diag.range,
      context: { diagnostics: [diag] },
    })) as CodeAction[];
    const titles = actions.map((a) => a.title);
    assert.deepStrictEqual(titles, ['Move join() after the queue is drained (MP003)', 'Ignore MP003 on this line']);
    assert.strictEqual(actions[0].isPreferred, true);
    // Apply the edit the way an editor would, and send it as an incremental change.
    const edits = actions[0].edit!.changes![uri()];
    const lines = new LineIndex(SOURCE);
    const fixed = applyEdits(
      SOURCE,
      edits.map((e) => ({ start: lines.offset(e.range.start), end: lines.offset(e.range.end), text: e.newText })),
    );
    const count = server.diagnostics.get(uri())!.length;
    await server.conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: uri(), version: 2 },
      contentChanges: edits.slice().reverse().map((e) => ({ range: e.range, text: e.newText })),
    });
    const after = await waitFor('new diagnostics', () => (server.diagnostics.get(uri())!.length > count ? latest(uri()) : undefined));
    assert.strictEqual(after.version, 2);
    assert.deepStrictEqual(after.diagnostics.map((d) => d.code), ['MP001']);
    assert.ok(fixed.includes('print(q.get())\np.join()'));
  });

  it('re-lints as the user types (incremental changes, debounced)', async () => {
    const count = server.diagnostics.get(uri())!.length;
    // Three quick keystrokes that add a lambda target, then a pause.
    const line = 8; // p = mp.Process(target=work, args=(q,))
    const col = 'p = mp.Process(target='.length;
    let version = 3;
    let at = col;
    for (const text of ['lambda: ', 'wo', 'rk() or ']) {
      await server.conn.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri: uri(), version: version++ },
        contentChanges: [{ range: { start: { line, character: at }, end: { line, character: at } }, text }],
      });
      at += text.length;
    }
    // Now: p = mp.Process(target=lambda: work() or work, args=(q,))
    const after = await waitFor('diagnostics after typing', () => {
      const l = latest(uri());
      return l && l.version === version - 1 ? l : undefined;
    });
    assert.deepStrictEqual(after.diagnostics.map((d) => d.code), ['MP004', 'MP001']);
    // Debounced: the three keystrokes produced one publication, not three.
    assert.strictEqual(server.diagnostics.get(uri())!.length, count + 1);
  });

  it('reads settings from the client and re-lints when they change', async () => {
    server.settings = { enable: true, rules: { MP004: 'off' }, startMethod: 'fork' };
    const count = server.diagnostics.get(uri())!.length;
    await server.conn.sendNotification(DidChangeConfigurationNotification.type, { settings: {} });
    const after = await waitFor('diagnostics after a settings change', () =>
      server.diagnostics.get(uri())!.length > count ? latest(uri()) : undefined,
    );
    assert.deepStrictEqual(after.diagnostics.map((d) => [d.code, d.severity]), [['MP001', 2]]);
  });

  it('lints the whole workspace on request', async () => {
    const result = await server.conn.sendRequest('mpscope/lintWorkspace', {});
    assert.deepStrictEqual(result, { files: 2, filesWithFindings: 1, findings: 2, unparsable: 0 });
    const diskUri = pathToFileURL(path.join(dir, 'on_disk.py')).href;
    assert.deepStrictEqual(latest(diskUri)?.diagnostics.map((d) => d.code), ['MP001', 'MP003']);
    assert.deepStrictEqual(latest(pathToFileURL(path.join(dir, 'clean.py')).href)?.diagnostics, []);
  });
});
