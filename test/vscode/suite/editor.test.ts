// Issue 6 in the real VS Code: runs of a deadlocking and a lifecycle fixture reach the editor as
// diagnostics (with ranges and related information), end-of-line decorations, the Findings view,
// the Processes view's run node, the status bar and the report webview; Stop leaves no process.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { MpscopeApi } from '../../../src/ui/extension';
import type { RunApi } from '../../../src/ui/run/api';
import { ui } from './util/ui';

const EXTENSION_ID = 'mpscope.mpscope';

/** 1-based line of the first line whose code is `text`, after the line containing `after`. */
function lineOf(file: string, text: string, after?: string): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const start = after ? lines.findIndex((l) => l.includes(after)) : 0;
  assert.ok(start >= 0, `${after} not found in ${file}`);
  const i = lines.findIndex((l, idx) => idx >= start && l.trim() === text);
  assert.ok(i >= 0, `"${text}" not found in ${path.basename(file)}`);
  return i + 1;
}

/** Waits until `check` returns a value (not undefined/false), or fails with `what`. */
async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function mpscopeDiagnostics(file: string): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(vscode.Uri.file(file)).filter((d) => d.source === 'mpscope');
}

describe('editor: runs of mpscope in the editor', function () {
  this.timeout(120000);
  let api: MpscopeApi;
  let run: RunApi;
  let workspace: string;
  let fixtures: string;

  before(async () => {
    const ext = vscode.extensions.getExtension<MpscopeApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    api = await ext.activate();
    assert.ok(api.run, 'MpscopeApi.run is missing: the run feature failed to start (see the mpscope log)');
    run = api.run;
    workspace = vscode.workspace.workspaceFolders![0].uri.fsPath;
    // The fixtures are copied into the workspace, so that runs start in a workspace folder.
    fixtures = path.join(workspace, 'editor');
    fs.cpSync(path.join(ext.extensionPath, 'test', 'fixtures', 'editor'), fixtures, { recursive: true });
  });

  after(async () => {
    if (run?.controller.active?.live) await run.controller.stop('the test ended');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  describe('a report file (mpscope run --report)', () => {
    let script: string;
    let reportFile: string;
    const L: Record<string, number> = {};

    before(() => {
      script = path.join(fixtures, 'bank_deadlock.py');
      L.acquireA = lineOf(script, 'with accounts:', 'def move_a_to_b');
      L.waitB = lineOf(script, 'with ledger:', 'def move_a_to_b');
      L.acquireB = lineOf(script, 'with ledger:', 'def move_b_to_a');
      L.waitA = lineOf(script, 'with accounts:', 'def move_b_to_a');
      L.startFirst = lineOf(script, 'first.start()');
      L.startSecond = lineOf(script, 'second.start()');
      L.join = lineOf(script, 'first.join()');
      // A report in the runner's contract, as `mpscope run --report` writes it for this fixture.
      const report = {
        version: 1,
        script,
        exitCode: null,
        signal: 'SIGTERM',
        durationMs: 1800,
        processes: [
          { pid: 4310, ppid: 1, name: 'MainProcess', role: 'main', startMs: 0, endMs: 1800, exitCode: -15 },
          { pid: 4311, ppid: 4310, name: 'Process-1', startSite: { file: script, line: L.startFirst }, startMs: 40, endMs: 1790, exitCode: -15 },
          { pid: 4312, ppid: 4310, name: 'Process-2', startSite: { file: script, line: L.startSecond }, startMs: 55, endMs: 1790, exitCode: -15 },
        ],
        findings: [
          {
            kind: 'deadlock',
            severity: 'error',
            message: 'Deadlock: Process-1 and Process-2 each wait for a lock the other holds',
            pids: [4311, 4312],
            locations: [
              { file: script, line: L.waitB, pid: 4311, role: 'waits' },
              { file: script, line: L.waitA, pid: 4312, role: 'waits' },
            ],
            waits: [
              {
                pid: 4311,
                primitive: { id: 'lock-2', kind: 'Lock', label: 'Lock#2' },
                site: { file: script, line: L.waitB },
                sinceMs: 300,
                holders: [{ pid: 4312, site: { file: script, line: L.acquireB } }],
              },
              {
                pid: 4312,
                primitive: { id: 'lock-1', kind: 'Lock', label: 'Lock#1' },
                site: { file: script, line: L.waitA },
                sinceMs: 310,
                holders: [{ pid: 4311, site: { file: script, line: L.acquireA } }],
              },
            ],
          },
        ],
      };
      reportFile = path.join(fixtures, 'bank_deadlock.report.json');
      fs.writeFileSync(reportFile, JSON.stringify(report, null, 2));
    });

    it('puts each finding on its lines with related information, and lists it in the Findings view', async () => {
      await vscode.commands.executeCommand('mpscope.openReportFile', reportFile);
      const diags = await until('mpscope diagnostics', () => {
        const d = mpscopeDiagnostics(script);
        return d.length >= 4 ? d : undefined;
      });
      const at = (line: number) => diags.find((d) => d.range.start.line === line - 1);
      const waitB = at(L.waitB)!;
      assert.ok(waitB, `no diagnostic on line ${L.waitB}: ${JSON.stringify(diags.map((d) => d.range.start.line + 1))}`);
      assert.strictEqual(waitB.severity, vscode.DiagnosticSeverity.Error);
      assert.strictEqual(waitB.code, 'deadlock');
      assert.strictEqual(waitB.message, `Deadlock: Process-1 (pid 4311) waits for Lock#2, held by Process-2 at line ${L.acquireB}`);
      // The range covers the code of the line, not its indentation.
      const text = fs.readFileSync(script, 'utf8').split('\n')[L.waitB - 1];
      assert.strictEqual(waitB.range.start.character, text.length - text.trimStart().length);
      assert.strictEqual(waitB.range.end.character, text.trimEnd().length);
      const related = (waitB.relatedInformation ?? []).map((r) => `${r.location.range.start.line + 1} ${r.message}`);
      assert.ok(related.includes(`${L.waitA} Process-2 (pid 4312) waits for Lock#1 here`), related.join('\n'));
      assert.ok(related.includes(`${L.acquireB} Lock#2 acquired here by Process-2 (pid 4312)`), related.join('\n'));
      assert.strictEqual(at(L.acquireA)?.severity, vscode.DiagnosticSeverity.Information);

      const rows = run.findingsRows();
      assert.deepStrictEqual(
        rows.map((r) => [r.label, r.description]),
        [['Deadlocks', '1']],
      );
      assert.deepStrictEqual(
        rows[0].children[0].children.map((c) => `${c.label} ${c.description}`),
        [
          `bank_deadlock.py:${L.waitB} Process-1 (pid 4311) waits for Lock#2`,
          `bank_deadlock.py:${L.waitA} Process-2 (pid 4312) waits for Lock#1`,
          `bank_deadlock.py:${L.acquireB} Lock#2 acquired by Process-2 (pid 4312)`,
          `bank_deadlock.py:${L.acquireA} Lock#1 acquired by Process-1 (pid 4311)`,
        ],
      );
      // A finished run's deadlock is not live: no decorations.
      assert.deepStrictEqual(run.decorations(), []);
    });

    it('draws the wait-for graph and the timeline in the report webview', async () => {
      const rendered = new Promise((resolve) => run.report.onDidRender(resolve));
      await vscode.commands.executeCommand('mpscope.showReport');
      const stats = await Promise.race([rendered, new Promise((_, rej) => setTimeout(() => rej(new Error('report not drawn in 20 s')), 20000))]);
      assert.ok(stats);
      const s = run.report.lastRender!;
      assert.strictEqual(run.report.lastError, undefined);
      assert.deepStrictEqual(
        [s.nodes, s.edges, s.cycleNodes, s.cycleEdges, s.lanes, s.findings],
        [4, 4, 4, 4, 3, 1],
      );
      assert.ok(s.marks >= 2, `marks: ${s.marks}`);
      // The graph's colours come from the theme, not from defaults.
      assert.match(s.colors.background, /^#|rgb/);
      assert.notStrictEqual(s.colors.foreground, s.colors.background);
    });

    it('shows the report (screenshot)', async function () {
      ui.skipUnlessAvailable(this);
      await new Promise((r) => setTimeout(r, 1500));
      await ui.screenshot('editor-report-from-file');
    });

    it('drops the annotations of a line when it is edited, and moves the ones below', async () => {
      const doc = await vscode.workspace.openTextDocument(script);
      const editor = await vscode.window.showTextDocument(doc);
      const before = mpscopeDiagnostics(script).map((d) => d.range.start.line + 1).sort((a, b) => a - b);
      assert.ok(before.includes(L.waitB) && before.includes(L.waitA));
      // Insert a line above everything: all annotations move down by one.
      await editor.edit((e) => e.insert(new vscode.Position(0, 0), '# edited\n'));
      const moved = await until('moved diagnostics', () => {
        const now = mpscopeDiagnostics(script).map((d) => d.range.start.line + 1).sort((a, b) => a - b);
        return now.join() === before.map((l) => l + 1).join() ? now : undefined;
      });
      assert.strictEqual(moved.length, before.length);
      // Typing on the waiting line removes its diagnostic only.
      const waitLine = L.waitB + 1;
      await editor.edit((e) => e.insert(new vscode.Position(waitLine - 1, doc.lineAt(waitLine - 1).text.length), '  # x'));
      await until('the edited line loses its diagnostic', () =>
        mpscopeDiagnostics(script).every((d) => d.range.start.line !== waitLine - 1) ? true : undefined,
      );
      assert.strictEqual(mpscopeDiagnostics(script).length, before.length - 1);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    });
  });
});
