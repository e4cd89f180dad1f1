// The mpscope language server: static checks for multiprocessing pitfalls over src/lint.
// Started by the extension (src/ui/lint) over IPC; also runs with --stdio for other editors.
//
// - Diagnostics as the user types: each change re-lints the document after a short pause
//   (DEBOUNCE_MS), re-parsing incrementally.
// - Code actions: the rule's quick fixes, plus "ignore this finding on this line".
// - `mpscope/lintWorkspace`: lints every *.py file of the workspace folders and publishes the
//   results (open documents use their unsaved text).
// - Settings come from the client per document (`workspace/configuration`, section mpscope.lint).
import { fileURLToPath, pathToFileURL } from 'url';
import * as fs from 'fs';
import {
  CodeAction,
  CodeActionKind,
  createConnection,
  DiagnosticSeverity,
  DidChangeConfigurationNotification,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type Diagnostic,
  type InitializeParams,
  type TextEdit as LspTextEdit,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Parser } from 'web-tree-sitter';
import { PythonDocument } from '../lint/document';
import { lintDocument, type LintResult } from '../lint/engine';
import { collectPythonFiles } from '../lint/files';
import { createPythonParser } from '../lint/parser';
import type { Finding, Severity } from '../lint/rule';
import { DEFAULT_SETTINGS, normalizeSettings, type LintSettings } from '../lint/settings';
import { suppressionFix } from '../lint/fixes/suppress';
import type { LineIndex } from '../lint/text';
import { version } from '../../package.json';
import { LINT_WORKSPACE_REQUEST, type LintWorkspaceParams, type LintWorkspaceResult } from './protocol';

/** Pause after the last keystroke before re-linting. */
const DEBOUNCE_MS = 200;

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

let parserPromise: Promise<Parser> | undefined;
const parser = () => (parserPromise ??= createPythonParser());

/** What the server keeps per open document. */
interface OpenDoc {
  parsed?: PythonDocument;
  /** Version of the text `result` was computed from. */
  version: number;
  result?: LintResult;
  lines?: LineIndex;
  text?: string;
  timer?: NodeJS.Timeout;
}

const open = new Map<string, OpenDoc>();
const settingsCache = new Map<string, Promise<LintSettings>>();
let hasConfiguration = false;
let workspaceFolders: string[] = [];
/** URIs published by a workspace lint (so closing one of them restores its on-disk result). */
const workspacePublished = new Set<string>();

connection.onInitialize((params: InitializeParams) => {
  hasConfiguration = !!params.capabilities.workspace?.configuration;
  workspaceFolders = (params.workspaceFolders ?? [])
    .map((f) => uriToPath(f.uri))
    .filter((p): p is string => !!p);
  if (workspaceFolders.length === 0 && params.rootUri) {
    const root = uriToPath(params.rootUri);
    if (root) workspaceFolders = [root];
  }
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'mpscope', version },
  };
});

connection.onInitialized(() => {
  if (hasConfiguration) {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: 'mpscope' });
  }
  connection.workspace.onDidChangeWorkspaceFolders((e) => {
    const removed = new Set(e.removed.map((f) => uriToPath(f.uri)));
    workspaceFolders = workspaceFolders.filter((f) => !removed.has(f));
    for (const f of e.added) {
      const p = uriToPath(f.uri);
      if (p) workspaceFolders.push(p);
    }
  });
});

connection.onDidChangeConfiguration(() => {
  settingsCache.clear();
  // Results computed with the old settings are stale even though the text did not change.
  for (const state of open.values()) state.version = -1;
  for (const doc of documents.all()) schedule(doc, 0);
});

function settingsFor(uri: string): Promise<LintSettings> {
  if (!hasConfiguration) return Promise.resolve(DEFAULT_SETTINGS);
  let s = settingsCache.get(uri);
  if (!s) {
    s = connection.workspace
      .getConfiguration({ scopeUri: uri, section: 'mpscope.lint' })
      .then(normalizeSettings, () => DEFAULT_SETTINGS);
    settingsCache.set(uri, s);
  }
  return s;
}

documents.onDidOpen((e) => schedule(e.document, 0));
documents.onDidChangeContent((e) => schedule(e.document, DEBOUNCE_MS));
documents.onDidClose((e) => {
  const uri = e.document.uri;
  const state = open.get(uri);
  if (state?.timer) clearTimeout(state.timer);
  state?.parsed?.dispose();
  open.delete(uri);
  settingsCache.delete(uri);
  // Findings of an unsaved buffer go away with it; a workspace lint's on-disk result comes back.
  const path = uriToPath(uri);
  if (workspacePublished.has(uri) && path && fs.existsSync(path)) {
    void lintFromDisk(path).then((r) => connection.sendDiagnostics({ uri, diagnostics: r.diagnostics }));
  } else {
    void connection.sendDiagnostics({ uri, diagnostics: [] });
  }
});

function schedule(doc: TextDocument, delay: number): void {
  let state = open.get(doc.uri);
  if (!state) open.set(doc.uri, (state = { version: -1 }));
  if (state.timer) clearTimeout(state.timer);
  state.timer = setTimeout(() => {
    state!.timer = undefined;
    void validate(doc.uri);
  }, delay);
}

/** Lints the current text of an open document (if not already done) and returns its state. */
async function ensureLinted(uri: string): Promise<OpenDoc | undefined> {
  const doc = documents.get(uri);
  if (!doc) return undefined;
  let state = open.get(uri);
  if (!state) open.set(uri, (state = { version: -1 }));
  if (state.version === doc.version && state.result) return state;
  const settings = await settingsFor(uri);
  const current = documents.get(uri);
  if (!current) return undefined;
  const text = current.getText();
  try {
    if (!state.parsed) state.parsed = PythonDocument.withParser(await parser(), text);
    else state.parsed.update(text);
    state.result = lintDocument(state.parsed, { settings, path: uriToPath(uri) });
    state.lines = state.parsed.lines;
    state.text = text;
    state.version = current.version;
  } catch (err) {
    connection.console.error(`mpscope: linting ${uri} failed: ${(err as Error)?.stack ?? err}`);
    // Start from scratch next time rather than keep a tree that may be out of step.
    state.parsed?.dispose();
    state.parsed = undefined;
    state.result = undefined;
    return undefined;
  }
  return state;
}

async function validate(uri: string): Promise<void> {
  const state = await ensureLinted(uri);
  if (!state?.result || !state.lines) return;
  // The document may have changed while linting; the newer change has its own timer.
  if (documents.get(uri)?.version !== state.version) return;
  await connection.sendDiagnostics({ uri, version: state.version, diagnostics: toDiagnostics(uri, state.result, state.lines) });
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

function toDiagnostic(uri: string, f: Finding, lines: LineIndex): Diagnostic {
  return {
    range: lines.range(f.start, f.end),
    severity: SEVERITY[f.severity],
    code: f.code,
    source: 'mpscope',
    message: f.message,
    relatedInformation: f.related?.map((r) => ({
      location: { uri, range: lines.range(r.start, r.end) },
      message: r.message,
    })),
    data: { name: f.name },
  };
}

function toDiagnostics(uri: string, result: LintResult, lines: LineIndex): Diagnostic[] {
  // Syntax errors are left to the Python language server; ours would only duplicate them.
  return result.findings.map((f) => toDiagnostic(uri, f, lines));
}

connection.onCodeAction(async (params) => {
  const state = await ensureLinted(params.textDocument.uri);
  if (!state?.result || !state.lines || !state.parsed) return [];
  const lines = state.lines;
  const start = lines.offset(params.range.start);
  const end = lines.offset(params.range.end);
  const wanted = new Set(
    params.context.diagnostics.filter((d) => d.source === 'mpscope').map((d) => String(d.code)),
  );
  const actions: CodeAction[] = [];
  for (const f of state.result.findings) {
    if (f.end < start || f.start > end) continue;
    if (wanted.size && !wanted.has(f.code)) continue;
    const diagnostic = toDiagnostic(params.textDocument.uri, f, lines);
    const edits = (fix: { edits: Array<{ start: number; end: number; text: string }> }): LspTextEdit[] =>
      fix.edits.map((e) => ({ range: lines.range(e.start, e.end), newText: e.text }));
    (f.fixes ?? []).forEach((fix, i) => {
      actions.push({
        title: `${fix.title} (${f.code})`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        isPreferred: i === 0,
        edit: { changes: { [params.textDocument.uri]: edits(fix) } },
      });
    });
    const ignore = suppressionFix(state.parsed, f);
    if (ignore) {
      actions.push({
        title: ignore.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [diagnostic],
        edit: { changes: { [params.textDocument.uri]: edits(ignore) } },
      });
    }
  }
  return actions;
});

connection.onRequest(LINT_WORKSPACE_REQUEST, async (params: LintWorkspaceParams | undefined): Promise<LintWorkspaceResult> => {
  const roots = params?.paths?.length ? params.paths : workspaceFolders;
  let files: string[] = [];
  try {
    files = collectPythonFiles(roots, process.cwd());
  } catch {
    files = [];
  }
  const p = await parser();
  let findings = 0;
  let withFindings = 0;
  let unparsable = 0;
  for (const file of files) {
    const uri = pathToFileURL(file).href;
    let diagnostics: Diagnostic[];
    const openDoc = documents.get(uri) ?? documents.all().find((d) => uriToPath(d.uri) === file);
    if (openDoc) {
      const state = await ensureLinted(openDoc.uri);
      diagnostics = state?.result && state.lines ? toDiagnostics(openDoc.uri, state.result, state.lines) : [];
      if (state?.result?.syntaxError) unparsable++;
      await connection.sendDiagnostics({ uri: openDoc.uri, diagnostics });
    } else {
      const r = await lintFromDisk(file, p);
      diagnostics = r.diagnostics;
      if (r.unparsable) unparsable++;
      await connection.sendDiagnostics({ uri, diagnostics });
      workspacePublished.add(uri);
    }
    findings += diagnostics.length;
    if (diagnostics.length) withFindings++;
  }
  return { files: files.length, filesWithFindings: withFindings, findings, unparsable };
});

async function lintFromDisk(file: string, p?: Parser): Promise<{ diagnostics: Diagnostic[]; unparsable: boolean }> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { diagnostics: [], unparsable: false };
  }
  const uri = pathToFileURL(file).href;
  const doc = PythonDocument.withParser(p ?? (await parser()), text);
  try {
    const result = lintDocument(doc, { settings: await settingsFor(uri), path: file });
    return { diagnostics: toDiagnostics(uri, result, doc.lines), unparsable: !!result.syntaxError };
  } catch (err) {
    connection.console.error(`mpscope: linting ${file} failed: ${(err as Error)?.message ?? err}`);
    return { diagnostics: [], unparsable: false };
  } finally {
    doc.dispose();
  }
}

function uriToPath(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

connection.onShutdown(() => {
  for (const s of open.values()) {
    if (s.timer) clearTimeout(s.timer);
    s.parsed?.dispose();
  }
  open.clear();
});

documents.listen(connection);
connection.listen();
