import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { MpscopeContext } from '../context';
import type { RunController } from './controller';
import type { RunState } from './state';
import type { ReportPanel } from '../report/report-panel';
import { ensureTrusted } from './trust';
import { normalizeReport } from '../../runner/view/model';
import { START_METHODS, type RunRequest, type StartMethod } from '../../runner/view/run-request';
import { revealLocation } from '../findings/findings-view';

const STACKS_SCHEME = 'mpscope-stacks';

const START_METHOD_HELP: Record<StartMethod, string> = {
  fork: 'Copy the parent process (Linux default before Python 3.14). Fast; unsafe with threads.',
  spawn: 'Start a fresh interpreter (Windows and macOS default). Reproduces their behaviour here.',
  forkserver: 'Fork from a clean server process (Linux default since Python 3.14).',
};

/** The Python file a run command is about: its argument (explorer, CodeLens, editor title), else the active editor. */
async function targetFile(arg: unknown): Promise<string> {
  let uri: vscode.Uri | undefined;
  if (arg instanceof vscode.Uri) uri = arg;
  else if (typeof arg === 'string' && arg) uri = vscode.Uri.file(arg);
  else uri = vscode.window.activeTextEditor?.document.uri;
  if (!uri) throw new Error('open a Python file to run it with mpscope');
  if (uri.scheme !== 'file') throw new Error(`mpscope runs files on disk; ${uri.toString()} is not one (save it first)`);
  // Run what the user sees: save the file first, as the Python extension's run command does.
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri!.toString());
  if (doc?.isDirty) await doc.save();
  const file = uri.fsPath;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new Error(`${file} does not exist`);
  }
  if (stat.isDirectory()) throw new Error(`${file} is a folder; choose a Python file`);
  return file;
}

function requestFor(file: string, startMethod?: StartMethod): RunRequest {
  // The working directory is the file's workspace folder (the Python extension's default for
  // "Run Python File"), else the file's own folder.
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file));
  const req: RunRequest = { program: file, args: [], cwd: folder?.uri.fsPath ?? path.dirname(file), env: {} };
  if (startMethod) req.startMethod = startMethod;
  return req;
}

function pidFromArgument(arg: unknown): number | undefined {
  if (typeof arg === 'number' && Number.isInteger(arg)) return arg;
  // A row of the run node ("run:<generation>:<pid>/<pid>") or of the process tree ("<pid>:<start>").
  if (typeof arg === 'string') {
    const m = /^run:\d+:(?:\d+\/)*(\d+)$/.exec(arg) ?? /^(\d+)(?::|$)/.exec(arg);
    return m ? Number(m[1]) : undefined;
  }
  if (arg && typeof arg === 'object') {
    const o = arg as Record<string, unknown>;
    for (const key of ['pid', 'process', 'record']) {
      const v = o[key];
      if (typeof v === 'number') return v;
      if (v && typeof v === 'object' && typeof (v as Record<string, unknown>).pid === 'number') {
        return (v as { pid: number }).pid;
      }
    }
  }
  return undefined;
}

export function registerRunCommands(
  ctx: MpscopeContext,
  state: RunState,
  controller: RunController,
  report: ReportPanel,
): void {
  const stacks = new Map<string, string>();
  const stacksChanged = new vscode.EventEmitter<vscode.Uri>();
  ctx.track(stacksChanged);
  ctx.track(
    vscode.workspace.registerTextDocumentContentProvider(STACKS_SCHEME, {
      onDidChange: stacksChanged.event,
      provideTextDocumentContent: (uri) => stacks.get(uri.path) ?? 'These stacks are no longer available.',
    }),
  );

  ctx.registerCommand('mpscope.runFile', async (arg?: unknown) => {
    const file = await targetFile(arg);
    if (!(await ensureTrusted('Running a Python file with mpscope'))) return undefined;
    return controller.start(requestFor(file)).then(() => undefined);
  });

  ctx.registerCommand('mpscope.runFileWithStartMethod', async (arg?: unknown, method?: unknown) => {
    const file = await targetFile(arg);
    if (!(await ensureTrusted('Running a Python file with mpscope'))) return undefined;
    let chosen = typeof method === 'string' && START_METHODS.includes(method as StartMethod) ? (method as StartMethod) : undefined;
    if (!chosen) {
      const pick = await vscode.window.showQuickPick(
        START_METHODS.map((m) => ({ label: m, detail: START_METHOD_HELP[m] })),
        { title: `Run ${path.basename(file)} with mpscope`, placeHolder: 'Start method for multiprocessing' },
      );
      if (!pick) return undefined;
      chosen = pick.label as StartMethod;
    }
    await controller.start(requestFor(file, chosen));
    return undefined;
  });

  ctx.registerCommand('mpscope.stopRun', async () => {
    if (!controller.active?.live) {
      void vscode.window.showInformationMessage('mpscope: no run to stop.');
      return;
    }
    await controller.stop();
  });

  ctx.registerCommand('mpscope.clearRun', () => controller.clear());

  ctx.registerCommand('mpscope.showReport', () => report.show());

  ctx.registerCommand('mpscope.dumpStacks', async (arg?: unknown) => {
    const run = controller.active;
    if (!run?.live) throw new Error('stacks can only be dumped while a run is going on');
    let pid = pidFromArgument(arg);
    if (pid === undefined) {
      const procs = run.handle.processes().filter((p) => p.alive);
      const pick = await vscode.window.showQuickPick(
        procs.map((p) => ({
          label: `${p.name}`,
          description: `pid ${p.pid}${p.deadlocked ? ' · deadlocked' : ''}${p.helper ? ' · helper' : ''}`,
          detail: p.startSite ? `started at ${path.basename(p.startSite.file)}:${p.startSite.line}` : undefined,
          pid: p.pid,
        })),
        { title: 'Dump stacks of which process?' },
      );
      if (!pick) return;
      pid = pick.pid;
    }
    const dump = await run.handle.dumpStacks(pid);
    const key = `/${pid}-${Date.now()}.txt`;
    stacks.set(key, dump.text);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: STACKS_SCHEME, path: key }));
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    if (dump.userFrame) await revealLocation(dump.userFrame.file, dump.userFrame.line, vscode.ViewColumn.One);
  });

  ctx.registerCommand('mpscope.openReportFile', async (arg?: unknown) => {
    let file = arg instanceof vscode.Uri ? arg.fsPath : typeof arg === 'string' ? arg : undefined;
    if (!file) {
      const picked = await vscode.window.showOpenDialog({
        title: 'Open an mpscope run report (mpscope run --report FILE)',
        filters: { 'mpscope report': ['json'] },
        canSelectMany: false,
      });
      if (!picked?.[0]) return;
      file = picked[0].fsPath;
    }
    if (controller.active?.live) throw new Error('stop the current run before opening a report');
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`${path.basename(file)} is not a readable report: ${(err as Error).message.split('\n')[0]}`);
    }
    const model = normalizeReport(raw);
    if (!model.script) throw new Error(`${path.basename(file)} is not an mpscope run report (it names no script)`);
    state.begin(model.script);
    state.update(model, { live: false });
    state.end();
    report.show();
  });
}
