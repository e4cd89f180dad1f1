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

/** The run's diagnostics of a file (source "mpscope", code = a finding kind; the linter's codes are MPxxx). */
function mpscopeDiagnostics(file: string): vscode.Diagnostic[] {
  return vscode.languages
    .getDiagnostics(vscode.Uri.file(file))
    .filter((d) => d.source === 'mpscope' && typeof d.code === 'string' && !/^MP\d+$/.test(d.code));
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

  describe('entry points', () => {
    it('puts a "Run with mpscope" CodeLens above if __name__ == "__main__":', async () => {
      const script = path.join(fixtures, 'lifecycle.py');
      const guard = lineOf(script, 'if __name__ == "__main__":');
      const uri = vscode.Uri.file(script);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
      const ours = lenses.filter((l) => l.command?.command === 'mpscope.runFile');
      assert.deepStrictEqual(ours.map((l) => l.range.start.line + 1), [guard]);
      assert.match(ours[0].command!.title, /Run with mpscope/);
      assert.strictEqual((ours[0].command!.arguments?.[0] as vscode.Uri).fsPath, script);
    });

    it('shows the run button in the editor title of a Python file', async function () {
      ui.skipUnlessAvailable(this);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(path.join(fixtures, 'lifecycle.py')));
      await ui.waitFor('.editor-actions [aria-label*="Run Python File"]', { timeout: 15000 });
    });
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
      // A strict CSP: nothing by default, one nonce'd script, no inline or remote code.
      const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(run.report.html ?? '')?.[1] ?? '';
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'nonce-[A-Za-z0-9+/=]+'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      // The only URLs are VS Code's own origin for the extension's files (webview.cspSource).
      const urls = csp.split(/[\s;]+/).filter((t) => /^https?:/.test(t));
      assert.ok(urls.every((u) => u === 'https://*.vscode-cdn.net'), `remote sources in the CSP: ${urls}`);
      // The graph's colours come from the theme, not from defaults.
      assert.match(s.colors.background, /^#|rgb/);
      assert.notStrictEqual(s.colors.foreground, s.colors.background);
    });

    it('shows the report, and follows a theme change (screenshots)', async function () {
      ui.skipUnlessAvailable(this);
      await new Promise((r) => setTimeout(r, 1000));
      await ui.screenshot('editor-report-from-file');
      const before = run.report.lastRender!.colors;
      const config = vscode.workspace.getConfiguration('workbench');
      const previous = config.inspect<string>('colorTheme')?.globalValue;
      await config.update('colorTheme', 'Default Dark Modern', vscode.ConfigurationTarget.Global);
      try {
        // The webview restyles the graph from the new theme's variables (it is not re-posted).
        await new Promise((r) => setTimeout(r, 1500));
        await ui.screenshot('editor-report-dark');
        const rendered = new Promise<void>((resolve) => run.report.onDidRender(() => resolve()));
        await vscode.commands.executeCommand('mpscope.showReport');
        await Promise.race([rendered, new Promise((r) => setTimeout(r, 5000))]);
        const after = run.report.lastRender!.colors;
        assert.notStrictEqual(after.background, before.background, 'the graph kept the light theme background');
      } finally {
        await config.update('colorTheme', previous, vscode.ConfigurationTarget.Global);
      }
    });

    it('opens the source line when a lane of the timeline is clicked', async function () {
      ui.skipUnlessAvailable(this);
      await vscode.commands.executeCommand('mpscope.showReport');
      // The webview's page sits in two nested iframes; Playwright's enter-frame steps reach it.
      const inWebview = 'iframe.webview >> internal:control=enter-frame >> iframe#active-frame >> internal:control=enter-frame >> ';
      await ui.click(`${inWebview}g.lane[data-pid="4311"] .lane-label`, { timeout: 15000 });
      const editor = await until('an editor on the start site of Process-1', () => {
        const e = vscode.window.activeTextEditor;
        return e?.document.uri.fsPath === script && e.selection.start.line === L.startFirst - 1 ? e : undefined;
      });
      assert.strictEqual(editor.document.lineAt(L.startFirst - 1).text.trim(), 'first.start()');
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

    it('clears everything with "mpscope: Clear Run"', async () => {
      await vscode.commands.executeCommand('mpscope.clearRun');
      assert.deepStrictEqual(mpscopeDiagnostics(script), []);
      assert.deepStrictEqual(run.findingsRows(), []);
      assert.deepStrictEqual(run.runRows(), []);
      assert.strictEqual(run.status.shown.visible, false);
    });
  });

  describe('a lifecycle run (a child that raises, a child never joined)', () => {
    let script: string;
    const L: Record<string, number> = {};

    before(async () => {
      script = path.join(fixtures, 'lifecycle.py');
      L.raise = lineOf(script, 'return int(record)');
      L.startParser = lineOf(script, 'parser.start()');
      L.startJob = lineOf(script, 'job.start()');
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(script));
      await vscode.commands.executeCommand('mpscope.runFile', vscode.Uri.file(script));
      await until('the run to end', () => !run.state.live && run.state.report !== undefined, 60000);
    });

    it('shows the output in its terminal', () => {
      const text = run.controller.active!.terminal.transcript;
      assert.match(text, /mpscope: running .*lifecycle\.py with /);
      assert.match(text, /main: finished, exit code of Parser is 1/);
      assert.match(text, /ValueError: invalid literal for int\(\)/);
      assert.match(text, /mpscope: run ended \(exit code 0\), 2 findings/);
    });

    it('puts the child exception and the unjoined child on their lines', () => {
      const diags = mpscopeDiagnostics(script);
      const at = (line: number) => diags.find((d) => d.range.start.line === line - 1);
      const raised = at(L.raise);
      assert.ok(raised, `no diagnostic on line ${L.raise}; on lines ${diags.map((d) => d.range.start.line + 1)}`);
      assert.strictEqual(raised.severity, vscode.DiagnosticSeverity.Error);
      assert.strictEqual(raised.code, 'child-exception');
      // The runner's wording may change; what matters is who raised what.
      assert.match(raised.message, /Parser \(pid \d+\)/);
      assert.match(raised.message, /ValueError/);
      const text = fs.readFileSync(script, 'utf8').split('\n')[L.raise - 1];
      assert.deepStrictEqual(
        [raised.range.start.character, raised.range.end.character],
        [text.length - text.trimStart().length, text.trimEnd().length],
      );
      assert.deepStrictEqual(
        (raised.relatedInformation ?? []).map((r) => [r.location.uri.fsPath, r.location.range.start.line + 1]),
        [[script, L.startParser]],
      );
      assert.match(raised.relatedInformation![0].message, /^started here by .*\(pid \d+\)$/);
      const unjoined = at(L.startJob);
      assert.ok(unjoined, `no diagnostic on line ${L.startJob}`);
      assert.strictEqual(unjoined.severity, vscode.DiagnosticSeverity.Warning);
      assert.strictEqual(unjoined.code, 'unjoined');
      assert.match(unjoined.message, /BackgroundJob \(pid \d+\).*never joined/);
    });

    it('lists the findings by kind in the Findings view', () => {
      const rows = run.findingsRows();
      assert.deepStrictEqual(
        rows.map((r) => [r.label, r.description]),
        [
          ['Child exceptions', '1'],
          ['Unjoined children', '1'],
        ],
      );
      assert.deepStrictEqual(
        rows[0].children[0].children.map((c) => c.label),
        [`lifecycle.py:${L.raise}`, `lifecycle.py:${L.startParser}`],
      );
    });

    it('keeps the run\'s processes, greyed, with exit codes and start sites, under "Run: lifecycle.py"', () => {
      const rows = run.runRows();
      assert.strictEqual(rows.length, 1);
      assert.strictEqual(rows[0].label, 'Run: lifecycle.py');
      assert.strictEqual(rows[0].description, 'exit 0 · 2 findings');
      const main = rows[0].children;
      assert.strictEqual(main.length, 1, JSON.stringify(rows, null, 1));
      const kids = main[0].children.map((c) => [c.label.replace(/\(\d+\)/, '(N)'), c.description, c.exited]);
      assert.deepStrictEqual(kids, [
        ['Parser (N)', `exit 1 · lifecycle.py:${L.startParser}`, true],
        ['BackgroundJob (N)', `exit 0 · lifecycle.py:${L.startJob}`, true],
      ]);
      assert.ok(main[0].exited);
    });

    it('shows the outcome in the status bar', () => {
      const s = run.status.shown;
      assert.ok(s.visible);
      assert.strictEqual(s.text, 'mpscope: $(debug-alt) exit 0 $(warning) 2');
      assert.strictEqual(s.error, false);
    });

    it('shows the annotations, the Findings view and the run node (screenshot)', async function () {
      ui.skipUnlessAvailable(this);
      await vscode.commands.executeCommand('workbench.view.extension.mpscope');
      await vscode.commands.executeCommand('mpscope.processes.focus');
      const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(script), vscode.ViewColumn.One);
      editor.selection = new vscode.Selection(L.raise - 1, 8, L.raise - 1, 8);
      await vscode.commands.executeCommand('editor.action.showHover');
      await new Promise((r) => setTimeout(r, 1500));
      await ui.screenshot('editor-lifecycle');
    });
  });

  describe('a deadlocking run (two processes, two locks, opposite orders)', () => {
    let script: string;
    let pids: number[] = [];
    const L: Record<string, number> = {};

    before(async () => {
      script = path.join(fixtures, 'bank_deadlock.py');
      L.acquireA = lineOf(script, 'with accounts:', 'def move_a_to_b');
      L.waitB = lineOf(script, 'with ledger:', 'def move_a_to_b');
      L.acquireB = lineOf(script, 'with ledger:', 'def move_b_to_a');
      L.waitA = lineOf(script, 'with accounts:', 'def move_b_to_a');
      L.startFirst = lineOf(script, 'first.start()');
      L.startSecond = lineOf(script, 'second.start()');
      L.join = lineOf(script, 'first.join()');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(script), vscode.ViewColumn.One);
      await vscode.commands.executeCommand('mpscope.runFile', vscode.Uri.file(script));
      await until('the three processes of the run', () => run.controller.liveCount() >= 3, 30000);
    });

    after(async () => {
      // Whatever happened above, nothing of this run may outlive the test.
      if (run.controller.active?.live) await run.controller.stop('the test ended');
    });

    it('shows the live run under "Run: bank_deadlock.py", with start sites, and counts it in the status bar', async () => {
      // A start site arrives from the parent just after start() returns: wait for both.
      const expected = [`bank_deadlock.py:${L.startFirst}`, `bank_deadlock.py:${L.startSecond}`];
      const rows = await until('the run node with both start sites', () => {
        const r = run.runRows();
        const kids = r[0]?.children[0]?.children.map((c) => c.description.replace(/^\w+ · /, ''));
        return JSON.stringify(kids) === JSON.stringify(expected) ? r : undefined;
      });
      assert.strictEqual(rows[0].label, 'Run: bank_deadlock.py');
      assert.match(rows[0].description, /^running · 3 live/);
      // A new run dropped the previous run's diagnostics.
      assert.deepStrictEqual(mpscopeDiagnostics(path.join(fixtures, 'lifecycle.py')), []);
      assert.deepStrictEqual(
        rows[0].children[0].children.map((c) => c.label.replace(/\(\d+\)/, '(N)')),
        ['Process-1 (N)', 'Process-2 (N)'],
      );
      await until('3 live processes in the status bar', () => /^mpscope: \$\(pulse\) 3 live/.test(run.status.shown.text));
    });

    it('finds the deadlock and marks the waiting lines while it is live', async () => {
      await until('a live deadlock', () => run.state.deadlockLive, 30000);
      const diags = mpscopeDiagnostics(script);
      const at = (line: number) => diags.find((d) => d.range.start.line === line - 1 && d.code === 'deadlock');
      for (const line of [L.waitA, L.waitB]) {
        const d = at(line);
        assert.ok(d, `no deadlock diagnostic on line ${line}; lines: ${diags.map((x) => x.range.start.line + 1)}`);
        assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
        const lines = (d.relatedInformation ?? []).map((r) => r.location.range.start.line + 1);
        // Linked to the line where the other process waits, and where the lock it wants was taken.
        const other = line === L.waitA ? L.waitB : L.waitA;
        const acquired = line === L.waitA ? L.acquireA : L.acquireB;
        assert.ok(lines.includes(other), `related lines of ${line}: ${lines}`);
        assert.ok(lines.includes(acquired), `related lines of ${line}: ${lines}`);
      }
      // The two processes of the cycle wait on their lines; the main process waits in join().
      const decos = run.decorations();
      assert.deepStrictEqual(decos.map((d) => d.line).sort((a, b) => a - b), [L.waitB, L.waitA, L.join].sort((a, b) => a - b));
      assert.match(decos.find((d) => d.line === L.join)!.text, /^⏸ MainProcess \(pid \d+\) waits for Process-1 \(pid \d+\)$/);
      const first = decos.find((d) => d.line === L.waitB)!;
      assert.match(first.text, new RegExp(`^⏸ Process-1 \\(pid \\d+\\) waits for .+, held by Process-2 at line ${L.acquireB}$`));
      assert.match(first.hover, /Wait-for cycle: Process-1 → .+ → Process-2 → .+ → Process-1/);
      assert.deepStrictEqual(run.findingsRows().map((r) => r.label).slice(0, 1), ['Deadlocks']);
      assert.ok(run.status.shown.error, 'the status bar shows no red deadlock marker');
      const procRows = run.runRows()[0].children[0].children;
      assert.ok(procRows.every((r) => r.deadlocked), JSON.stringify(procRows));
    });

    it('shows the annotations, and the hover with the cycle and the stacks (screenshots)', async function () {
      ui.skipUnlessAvailable(this);
      // The picture a user sees: the script, the sidebar (run node, Findings), the status bar.
      await vscode.commands.executeCommand('notifications.clearAll');
      await vscode.commands.executeCommand('workbench.action.closePanel');
      await vscode.commands.executeCommand('workbench.view.extension.mpscope');
      // Only what this window's runs launched (other tests on this machine run programs too).
      const filter = api.processes?.filter;
      await api.processes?.setFilter('mpscope');
      await api.processes?.view.reveal(`run:${run.state.generation}`, { expand: 3, select: false, focus: false });
      const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(script), vscode.ViewColumn.One);
      editor.revealRange(new vscode.Range(L.acquireA - 3, 0, L.acquireA - 3, 0), vscode.TextEditorRevealType.AtTop);
      editor.selection = new vscode.Selection(L.join - 1, 0, L.join - 1, 0);
      await new Promise((r) => setTimeout(r, 1500));
      await ui.screenshot('editor-deadlock');
      editor.selection = new vscode.Selection(L.waitA - 1, 12, L.waitA - 1, 12);
      await vscode.commands.executeCommand('editor.action.showHover');
      await ui.waitFor('.monaco-hover:has-text("Wait-for cycle")');
      const hover = (await ui.query('.monaco-hover')).map((h) => h.text).join('\n');
      // Lock numbers follow the order the runner first saw them in: not fixed.
      assert.match(hover, /Wait-for cycle: Process-2 → (Lock#\d) → Process-1 → (?!\1)Lock#\d → Process-2/);
      assert.match(hover, /Stack of Process-1 \(pid \d+\)/);
      // The diagnostics come first in the hover; focus it and scroll to the cycle and the stacks.
      await vscode.commands.executeCommand('editor.action.showHover', { focus: 'autoFocusImmediately' });
      await new Promise((r) => setTimeout(r, 300));
      await vscode.commands.executeCommand('editor.action.goToBottomHover');
      await new Promise((r) => setTimeout(r, 800));
      await ui.screenshot('editor-deadlock-hover');
      await vscode.commands.executeCommand('editor.action.hideHover');
      if (filter) await api.processes?.setFilter(filter);
    });

    it('draws the live deadlock in the report (screenshot)', async function () {
      // The report alone in the editor area, as after a click on the status bar.
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.commands.executeCommand('workbench.action.closePanel');
      const rendered = new Promise<void>((resolve) => run.report.onDidRender(() => resolve()));
      await vscode.commands.executeCommand('mpscope.showReport');
      await Promise.race([rendered, new Promise((r) => setTimeout(r, 10000))]);
      const s = run.report.lastRender!;
      assert.ok(s.cycleNodes >= 4 && s.cycleEdges >= 4, JSON.stringify(s));
      if (!ui.available) return;
      await new Promise((r) => setTimeout(r, 1000));
      await ui.screenshot('editor-deadlock-report', { selector: '.part.editor' });
    });

    it('dumps the stacks of a blocked process, its innermost user line marked', async () => {
      const first = run.controller.processes().find((p) => p.name === 'Process-1');
      assert.ok(first, `no Process-1 among ${JSON.stringify(run.controller.processes())}`);
      await vscode.commands.executeCommand('mpscope.dumpStacks', first.pid);
      const doc = await until('the stacks document', () =>
        vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'mpscope-stacks' && d.uri.path.startsWith(`/${first.pid}-`)),
      );
      const text = doc.getText();
      assert.match(text, new RegExp(`^Stacks of Process-1 \\(pid ${first.pid}\\)`));
      assert.match(text, /Thread MainThread:/);
      assert.ok(text.includes(`→ File "${script}", line ${L.waitB}, in move_a_to_b`), text);
      // ... and the editor shows that line.
      await until('the editor at the waiting line', () =>
        vscode.window.visibleTextEditors.some((x) => x.document.uri.fsPath === script && x.selection.start.line === L.waitB - 1),
      );
    });

    it('stops the run with "mpscope: Stop Run", leaving no process behind', async () => {
      pids = run.controller.processes().map((p) => p.pid);
      assert.ok(pids.length >= 3, `pids: ${pids}`);
      await vscode.commands.executeCommand('mpscope.stopRun');
      assert.strictEqual(run.controller.active?.live, false);
      const left = pids.filter((pid) => fs.existsSync(`/proc/${pid}`));
      assert.deepStrictEqual(left, [], `processes of the run still in /proc: ${left}`);
      // The deadlock is no longer live: its decorations go, its diagnostics stay.
      assert.deepStrictEqual(run.decorations(), []);
      assert.ok(mpscopeDiagnostics(script).length > 0);
      const rows = run.runRows()[0];
      assert.ok(rows.children[0].exited && rows.children[0].children.every((r) => r.exited), JSON.stringify(rows));
    });
  });

  describe('a Pool whose initializer raises in every worker', () => {
    after(async () => {
      if (run.controller.active?.live) await run.controller.stop('the test ended');
    });

    it('finds the hang while it is live, on the map() line, keeps the run until Stop, and makes one finding of the failed workers', async () => {
      const dir = path.join(fixtures, 'pool-initializer');
      fs.mkdirSync(dir, { recursive: true });
      for (const f of ['pool_initializer_fails.py', '_dl.py']) {
        fs.copyFileSync(path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'fixtures', 'deadlock', f), path.join(dir, f));
      }
      const script = path.join(dir, 'pool_initializer_fails.py');
      const waitLine = lineOf(script, 'print(sum(pool.map(task, range(10))))  #@ wait-map');
      const raiseLine = lineOf(script, 'raise ValueError("cannot open the model file")  #@ init-raise');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(script), vscode.ViewColumn.One);
      await vscode.commands.executeCommand('mpscope.runFile', vscode.Uri.file(script));
      await until('a live deadlock', () => run.state.script === script && run.state.deadlockLive, 30000);
      const d = mpscopeDiagnostics(script).find((x) => x.range.start.line === waitLine - 1 && x.code === 'deadlock');
      assert.ok(d, `no deadlock diagnostic on line ${waitLine}: ${JSON.stringify(mpscopeDiagnostics(script).map((x) => [x.range.start.line + 1, x.code]))}`);
      assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
      assert.match(d.message, /initializer/);
      const related = (d.relatedInformation ?? []).map((r) => r.location.range.start.line + 1);
      assert.ok(related.includes(raiseLine), `related lines: ${related}`);
      assert.strictEqual(run.controller.active?.live, true, 'VS Code keeps a deadlocked run alive until Stop');
      if (ui.available) {
        editor.revealRange(new vscode.Range(raiseLine - 6, 0, raiseLine - 6, 0), vscode.TextEditorRevealType.AtTop);
        await vscode.commands.executeCommand('workbench.action.closePanel');
        await new Promise((r) => setTimeout(r, 1000));
        await ui.screenshot('editor-pool-initializer');
      }
      await vscode.commands.executeCommand('mpscope.stopRun');
      const report = await until('the report', () => (!run.state.live && run.state.report ? run.state.report : undefined), 30000);
      const raised = report.findings.filter((f) => f.kind === 'child-exception');
      assert.strictEqual(raised.length, 1, JSON.stringify(raised.map((f) => f.message)));
      assert.match(raised[0].message, /^\d+ workers of the Pool created at pool_initializer_fails\.py:\d+ .* in the Pool's initializer/);
    });
  });

  describe('the mpscope task type (tasks.json)', () => {
    it('runs a task with the Python extension\'s fields: program, args, env, cwd, and startMethod', async () => {
      const tasksDir = path.join(workspace, '.vscode');
      fs.mkdirSync(tasksDir, { recursive: true });
      fs.writeFileSync(
        path.join(tasksDir, 'tasks.json'),
        JSON.stringify({
          version: '2.0.0',
          tasks: [
            {
              type: 'mpscope',
              label: 'show config with mpscope',
              program: '${workspaceFolder}/editor/show_config.py',
              args: ['--n', '3'],
              env: { GREETING: 'hi from tasks.json' },
              cwd: '${workspaceFolder}/editor',
              startMethod: 'spawn',
            },
          ],
        }),
      );
      // fetchTasks reads tasks.json; VS Code may take a moment to see the new file.
      let task: vscode.Task | undefined;
      for (let i = 0; i < 50 && !task; i++) {
        task = (await vscode.tasks.fetchTasks({ type: 'mpscope' })).find((t) => t.name === 'show config with mpscope');
        if (!task) await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(task, 'the mpscope task of tasks.json was not found');
      const ended = new Promise<number | undefined>((resolve) =>
        vscode.tasks.onDidEndTaskProcess((e) => e.execution.task.name === task!.name && resolve(e.exitCode)),
      );
      await vscode.tasks.executeTask(task);
      await until('the task\'s run to end', () => run.controller.active?.request.program.endsWith('show_config.py') && !run.controller.active.live, 60000);
      const text = run.controller.active!.terminal.transcript;
      assert.match(text, /args: \['--n', '3'\]/);
      assert.match(text, /GREETING: hi from tasks\.json/);
      assert.match(text, /start method: spawn/);
      assert.match(text, new RegExp(`cwd: ${path.join(workspace, 'editor').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assert.match(text, /\(start method spawn\)/);
      assert.strictEqual(await Promise.race([ended, new Promise<string>((r) => setTimeout(() => r('no end event'), 10000))]), 0);
    });
  });

  describe('"mpscope: Run Python File with Start Method..."', () => {
    it('forces the chosen start method in the run', async () => {
      const script = path.join(fixtures, 'show_config.py');
      // The second argument stands for the quick pick's choice.
      await vscode.commands.executeCommand('mpscope.runFileWithStartMethod', vscode.Uri.file(script), 'forkserver');
      const active = run.controller.active!;
      await until('the run to end', () => active.request.program === script && !active.live, 60000);
      assert.match(active.terminal.transcript, /start method: forkserver/);
      assert.match(active.terminal.transcript, /args: \[\]/);
    });
  });

  describe('a run that cannot start', () => {
    it('says why in one line, in the terminal, and leaves nothing running', async () => {
      const config = vscode.workspace.getConfiguration('mpscope');
      await config.update('pythonPath', '/nonexistent/bin/python3', vscode.ConfigurationTarget.Workspace);
      try {
        await vscode.commands.executeCommand('mpscope.runFile', vscode.Uri.file(path.join(fixtures, 'lifecycle.py')));
        const text = run.controller.lastTerminal?.transcript ?? '';
        assert.match(text, /mpscope: Python interpreter not found: \/nonexistent\/bin\/python3/);
        assert.ok(!run.controller.active?.live);
        assert.strictEqual(run.state.live, false);
      } finally {
        await config.update('pythonPath', undefined, vscode.ConfigurationTarget.Workspace);
      }
    });
  });

  describe('stdin', () => {
    it('passes what the user types in the run\'s terminal to the program', async () => {
      const script = path.join(fixtures, 'ask_name.py');
      await vscode.commands.executeCommand('mpscope.runFile', vscode.Uri.file(script));
      const active = run.controller.active!;
      await until('the prompt', () => /What is your name\?/.test(active.terminal.transcript), 30000);
      // sendText goes through VS Code to the Pseudoterminal's handleInput, as typing does.
      active.vscodeTerminal!.sendText('mpscope', true);
      await until('the run to end', () => !active.live, 30000);
      assert.match(active.terminal.transcript, /What is your name\? mpscope\r\nhello, mpscope/);
    });
  });

  describe('mpscope.run.prefixOutput', () => {
    const script = () => path.join(fixtures, 'two_writers.py');

    async function runTwoWriters(): Promise<string> {
      await vscode.commands.executeCommand('mpscope.runFile', vscode.Uri.file(script()));
      const active = run.controller.active!;
      try {
        await until('the run to end', () => active.request.program === script() && !active.live, 60000);
      } catch (e) {
        // What the run was doing, for a failure that does not reproduce at will.
        throw new Error(
          `${(e as Error).message}: the active run is ${active.request.program} (live: ${active.live}); ` +
            `its terminal showed ${JSON.stringify(active.terminal.transcript)}; processes ${processesOfRun()}`,
        );
      }
      return active.terminal.transcript;
    }

    // What the extension logged meanwhile (agent and protocol errors of a run go to the log).
    const logged: string[] = [];
    let restoreLog: (() => void) | undefined;
    before(() => {
      const log = api.context.log;
      const warn = log.warn.bind(log);
      log.warn = (message: string, ...args: unknown[]) => {
        logged.push(message);
        warn(message, ...args);
      };
      restoreLog = () => (log.warn = warn);
    });
    after(() => restoreLog?.());

    function processesOfRun(): string {
      const procs = (run.state.report as { processes?: Array<{ pid: number; name?: string }> } | undefined)?.processes ?? [];
      return `${JSON.stringify(procs.map((p) => [p.pid, p.name]))}; logged ${JSON.stringify(logged.slice(-10))}`;
    }

    it('on: each line in the run\'s terminal starts with the name of the process that wrote it', async () => {
      const config = vscode.workspace.getConfiguration('mpscope');
      const terminalConfig = vscode.workspace.getConfiguration('terminal.integrated');
      await config.update('run.prefixOutput', true, vscode.ConfigurationTarget.Workspace);
      // xterm.js then draws its rows as DOM text (not on a canvas), which the UI bridge can read.
      await terminalConfig.update('gpuAcceleration', 'off', vscode.ConfigurationTarget.Workspace);
      try {
        const text = await runTwoWriters();
        const shown = `the terminal showed ${JSON.stringify(text)}; processes ${processesOfRun()}`;
        assert.match(text, /\[MainProcess\] hello from MainProcess\r\n/, shown);
        assert.match(text, /\[Process-1\] hello from Process-1\r\n/, shown);
        assert.match(text, /\[MainProcess\] bye from MainProcess\r\n/, shown);
        assert.ok(!text.includes('\x1b]'), `a private output tag reached the terminal: ${JSON.stringify(text)}`);
        if (ui.available) {
          // What xterm.js drew in the browser, not only what the Pseudoterminal wrote.
          await ui.waitFor('.terminal-wrapper.active .xterm-rows', { timeout: 20000 });
          // xterm.js draws a moment after the Pseudoterminal wrote: read until the last line is there.
          let rows = '';
          for (const deadline = Date.now() + 20000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
            rows = (await ui.query('.terminal-wrapper.active .xterm-rows')).map((r) => r.visibleText).join('\n');
            if (/bye from MainProcess/.test(rows)) break;
          }
          await ui.screenshot('prefixed-output', { selector: '.part.panel' });
          assert.match(rows, /\[Process-1\] hello from Process-1/);
          assert.match(rows, /\[MainProcess\] bye from MainProcess/);
        }
      } finally {
        await config.update('run.prefixOutput', undefined, vscode.ConfigurationTarget.Workspace);
        await terminalConfig.update('gpuAcceleration', undefined, vscode.ConfigurationTarget.Workspace);
      }
    });

    it('off (the default): the output as the program wrote it', async () => {
      const text = await runTwoWriters();
      assert.match(text, /\r\nhello from Process-1\r\nbye from MainProcess\r\n/);
      assert.doesNotMatch(text, /\[(MainProcess|Process-1)\]/);
    });
  });

  describe('the Findings view of a run without findings', () => {
    it('says the run is going on while it runs, and that it had no findings once it ended', async () => {
      const script = path.join(fixtures, 'ask_name.py');
      // Every message the view showed while the run was live (the view updates on the same event,
      // registered first).
      const whileLive = new Set<string | undefined>();
      const listener = run.state.onDidChange(() => {
        if (run.state.live) whileLive.add(run.findingsMessage());
      });
      try {
        await vscode.commands.executeCommand('mpscope.runFile', vscode.Uri.file(script));
        const active = run.controller.active!;
        // The program waits for input: a live report with no findings is in.
        await until('the prompt and a live report', () => /What is your name\?/.test(active.terminal.transcript) && run.state.report, 30000);
        assert.ok(run.state.live);
        assert.deepStrictEqual(run.state.report!.findings, []);
        assert.strictEqual(run.findingsMessage(), 'Running ask_name.py... no findings yet.');
        assert.deepStrictEqual(run.findingsRows(), []);
        active.vscodeTerminal!.sendText('mpscope', true);
        await until('the run to end', () => !active.live, 30000);
        assert.strictEqual(run.findingsMessage(), 'The last run had no findings.');
        assert.ok(!whileLive.has('The last run had no findings.'), `messages while live: ${JSON.stringify([...whileLive])}`);
      } finally {
        listener.dispose();
        if (run.controller.active?.live) await run.controller.stop('the test ended');
      }
    });
  });
});
