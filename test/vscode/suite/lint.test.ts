// Static checks in the real VS Code: opening a Python file with a known pitfall brings the
// language server's "mpscope" diagnostics (MPxxx codes), a quick fix applied from the code actions
// removes its diagnostic, settings turn a rule off, and "mpscope: Lint Workspace" lints files
// that are not open.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'mpscope.mpscope';

const PITFALL = [
  'import multiprocessing as mp',
  '',
  '',
  'def produce(q):',
  '    q.put("x" * 1_000_000)',
  '',
  '',
  'if __name__ == "__main__":',
  '    q = mp.Queue()',
  '    p = mp.Process(target=produce, args=(q,))',
  '    p.start()',
  '    p.join()',
  '    print(len(q.get()))',
  '',
].join('\n');

const NOT_OPEN = ['import multiprocessing as mp', 'p = mp.Process(target=print)', 'p.start()', 'p.join()', ''].join('\n');

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 30000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The linter's diagnostics of a document (source "mpscope", code MPxxx). */
function lintDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages
    .getDiagnostics(uri)
    .filter((d) => d.source === 'mpscope' && typeof d.code === 'string' && d.code.startsWith('MP') && /^MP\d{3}$/.test(d.code));
}

describe('lint: static checks in the editor', function () {
  this.timeout(120000);
  let dir: string;

  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    await ext.activate();
    const workspace = vscode.workspace.workspaceFolders![0].uri.fsPath;
    dir = path.join(workspace, 'lint-test');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'queue_join.py'), PITFALL);
    fs.writeFileSync(path.join(dir, 'not_open.py'), NOT_OPEN);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('mpscope.lint').update('rules', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows the mpscope diagnostics of an opened file and fixes one with a quick fix', async () => {
    const uri = vscode.Uri.file(path.join(dir, 'queue_join.py'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    assert.strictEqual(doc.languageId, 'python');
    const diag = await until('the MP003 diagnostic', () => lintDiagnostics(uri).find((d) => d.code === 'MP003'));
    assert.strictEqual(diag.range.start.line, 11); // p.join()
    assert.strictEqual(diag.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(diag.message, /deadlock/);
    assert.strictEqual(diag.relatedInformation?.[0].location.range.start.line, 12);

    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diag.range);
    const fix = actions.find((a) => a.title.startsWith('Move join() after the queue is drained'));
    assert.ok(fix?.edit, `no quick fix among: ${actions.map((a) => a.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.ok(doc.getText().includes('    print(len(q.get()))\n    p.join()\n'), doc.getText());
    await until('the MP003 diagnostic to go away', () => !lintDiagnostics(uri).some((d) => d.code === 'MP003'));
    await doc.save();
  });

  it('mpscope.lint.rules turns a rule off', async () => {
    const uri = vscode.Uri.file(path.join(dir, 'queue_join.py'));
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    // Reintroduce a pitfall: a lambda target (MP004).
    await editor.edit((b) => b.replace(doc.lineAt(9).range, '    p = mp.Process(target=lambda q: produce(q), args=(q,))'));
    await until('the MP004 diagnostic', () => lintDiagnostics(uri).some((d) => d.code === 'MP004'));
    await vscode.workspace.getConfiguration('mpscope.lint').update('rules', { MP004: 'off' }, vscode.ConfigurationTarget.Workspace);
    await until('MP004 to be turned off', () => !lintDiagnostics(uri).some((d) => d.code === 'MP004'));
    await vscode.workspace.getConfiguration('mpscope.lint').update('rules', undefined, vscode.ConfigurationTarget.Workspace);
    await until('MP004 to come back', () => lintDiagnostics(uri).some((d) => d.code === 'MP004'));
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('"mpscope: Lint Workspace" reports files that are not open', async () => {
    const uri = vscode.Uri.file(path.join(dir, 'not_open.py'));
    assert.deepStrictEqual(lintDiagnostics(uri), []);
    const result = await vscode.commands.executeCommand<{ files: number; findings: number }>('mpscope.lintWorkspace');
    assert.ok(result && result.files >= 2, JSON.stringify(result));
    const diags = await until('diagnostics of the file that is not open', () => {
      const d = lintDiagnostics(uri);
      return d.length ? d : undefined;
    });
    assert.deepStrictEqual(diags.map((d) => [d.code, d.range.start.line]), [['MP001', 2]]);
  });
});
