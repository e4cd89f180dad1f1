// Issue 9 in a real VS Code: the example folder, the Getting Started walkthrough's commands,
// "Attach Python Debugger" without the Python Debugger extension, and following Python programs
// started from the integrated terminal.
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { MpscopeApi } from '../../../src/ui/extension';
import { ui } from './util/ui';

const EXTENSION_ID = 'mpscope.mpscope';

interface WalkthroughStep {
  id: string;
  description: string;
  media: { markdown?: string; image?: string };
  completionEvents: string[];
}
interface Manifest {
  contributes: {
    commands: { command: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    walkthroughs: { id: string; steps: WalkthroughStep[] }[];
    configuration: { properties: Record<string, { markdownDescription?: string; description?: string }> };
  };
}

function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === '__pycache__') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p, base));
    else out.push(path.relative(base, p));
  }
  return out.sort();
}

/** `command:<id>` links in Markdown, decoded. */
function commandLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\(command:([A-Za-z0-9_.-]+)/g)].map((m) => m[1]);
}

async function waitUntil<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether a process still runs (a zombie does not: it has exited and only waits to be reaped). */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    if (process.platform === 'linux') return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('integrations: VS Code integrations (issue 9)', function () {
  this.timeout(120000);
  let api: MpscopeApi;
  let manifest: Manifest;
  let extensionPath: string;
  let scratch: string;

  before(async () => {
    const extension = vscode.extensions.getExtension<MpscopeApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not installed`);
    api = await extension.activate();
    manifest = extension.packageJSON as Manifest;
    extensionPath = extension.extensionPath;
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mpscope-integrations-'));
  });

  after(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  describe('Open Examples', () => {
    it('copies every example (buggy and fixed) into a new folder, and leaves it unopened when asked', async () => {
      const target = path.join(scratch, 'examples-copy');
      const result = await vscode.commands.executeCommand<{ folder: string; files: string[]; opened: boolean }>(
        'mpscope.openExamples',
        { target, open: false },
      );
      assert.ok(result, 'the command returned nothing');
      assert.strictEqual(result.folder, target);
      assert.strictEqual(result.opened, false);
      const shipped = listFiles(path.join(extensionPath, 'media', 'examples'));
      assert.deepStrictEqual(listFiles(target), shipped);
      assert.ok(shipped.includes('deadlock_lock_order.py') && shipped.includes(path.join('fixed', 'deadlock_lock_order.py')));
      for (const f of shipped) {
        assert.ok(
          fs.readFileSync(path.join(target, f)).equals(fs.readFileSync(path.join(extensionPath, 'media', 'examples', f))),
          `${f} differs from the shipped copy`,
        );
      }
    });

    it('refuses to copy over an existing folder', async () => {
      const target = path.join(scratch, 'exists');
      fs.mkdirSync(target);
      fs.writeFileSync(path.join(target, 'mine.py'), 'print("mine")\n');
      const result = await vscode.commands.executeCommand('mpscope.openExamples', { target, open: false });
      assert.strictEqual(result, undefined, 'the command reported success over an existing folder');
      assert.deepStrictEqual(fs.readdirSync(target), ['mine.py']);
    });
  });

  describe('Attach Python Debugger', () => {
    it('without the Python Debugger extension: starts nothing and explains what to install', async () => {
      // The offline VS Code has no marketplace, so ms-python.debugpy cannot be installed here.
      assert.strictEqual(vscode.extensions.getExtension('ms-python.debugpy'), undefined, 'this test needs debugpy absent');
      const outcome = await vscode.commands.executeCommand<{ started: boolean; reason: string }>('mpscope.attachDebugger', process.pid);
      assert.deepStrictEqual(outcome, { started: false, reason: 'debugpy-missing' });
      assert.strictEqual(vscode.debug.activeDebugSession, undefined);
      if (ui.available) {
        await ui.waitFor('.notifications-toasts :text("Python Debugger extension (ms-python.debugpy)")');
        await ui.screenshot('integrations-attach-without-debugpy');
        await vscode.commands.executeCommand('notifications.clearAll');
      }
    });

    it('the menu entries on process rows are shown only when the Python Debugger extension is there', () => {
      const entries = (manifest.contributes.menus['view/item/context'] ?? []).filter((m) => m.command === 'mpscope.attachDebugger');
      assert.ok(entries.length >= 1, 'no Attach Python Debugger entry on process rows');
      for (const e of entries) {
        assert.match(e.when ?? '', /view == mpscope\.processes/);
        assert.match(e.when ?? '', /\bmpscope\.debugpyAvailable\b/);
      }
    });

    it('a Python process row\'s context menu has no "Attach Python Debugger" here (screenshot)', async function () {
      ui.skipUnlessAvailable(this);
      const processes = api.processes;
      assert.ok(processes, 'the Processes view did not start');
      // A Python process of this user: the view's default filter shows it.
      const child = spawn('python3', ['-c', 'import time; time.sleep(60)'], { stdio: 'ignore' });
      try {
        await vscode.commands.executeCommand('mpscope.processes.focus');
        const key = await waitUntil('the python process in the tree', async () => {
          await processes.refresh();
          return processes.provider.keyOfPid(child.pid!);
        });
        // The list only renders rows in view: scroll to it (the machine may run many processes).
        await processes.view.reveal(key, { select: true, focus: true });
        const row = `.monaco-list-row[aria-label*="pid ${child.pid},"]`;
        await ui.waitFor(row, { timeout: 20000 });
        await ui.click(row, { button: 'right' });
        await ui.waitFor('.monaco-menu .action-label:text("Copy PID")');
        const labels = (await ui.query('.monaco-menu .action-label')).map((e) => e.text.trim()).filter(Boolean);
        await ui.screenshot('integrations-process-menu-without-debugpy');
        await ui.press('Escape');
        assert.ok(labels.includes('Copy PID'), `menu: ${JSON.stringify(labels)}`);
        assert.ok(!labels.some((l) => /Attach Python Debugger/.test(l)), `menu offers attach without debugpy: ${JSON.stringify(labels)}`);
      } finally {
        child.kill('SIGKILL');
      }
    });

    it('hands vscode.debug.startDebugging a debugpy attach-by-pid configuration named after the process', async () => {
      // How the present-extension path is checked without the Python Debugger extension: this
      // test registers a DebugConfigurationProvider for the type `debugpy` (test only). VS Code
      // calls it with the configuration our code passed to vscode.debug.startDebugging, before
      // it looks for the debugger itself; the provider records it and returns undefined, which
      // cancels the session. This checks mpscope's part (the configuration and the call), not
      // debugpy. The install check in front of it is skipped through the test API.
      const seen: vscode.DebugConfiguration[] = [];
      const provider = vscode.debug.registerDebugConfigurationProvider('debugpy', {
        resolveDebugConfiguration(_folder, config) {
          seen.push({ ...config });
          return undefined;
        },
      });
      try {
        const outcome = await api.integrations.startAttach({ pid: process.pid + 1000000, mpName: 'SpawnPoolWorker-2', isPython: true });
        assert.strictEqual(outcome.started, false);
        assert.strictEqual(seen.length, 1, 'startDebugging was not called with a debugpy configuration');
        assert.deepStrictEqual(seen[0], {
          type: 'debugpy',
          request: 'attach',
          name: 'SpawnPoolWorker-2',
          processId: process.pid + 1000000,
          justMyCode: false,
        });
        await api.integrations.startAttach({ pid: process.pid + 1000001 });
        assert.strictEqual(seen[1]?.name, `Python ${process.pid + 1000001}`);
      } finally {
        provider.dispose();
      }
    });

    it('refuses a zombie, with the reason, without calling the debugger', async () => {
      const outcome = await api.integrations.startAttach({ pid: 4242, isZombie: true });
      assert.strictEqual(outcome.started, false);
      assert.ok(!outcome.started && outcome.reason === 'refused' && /zombie/.test(outcome.message ?? ''), JSON.stringify(outcome));
    });
  });

  describe('programs started from the integrated terminal', () => {
    const SETTING = 'mpscope.terminal.injectAgent';
    const terminals: vscode.Terminal[] = [];
    const pids: number[] = [];
    let fixtures: string;

    const setInjection = async (on: boolean | undefined): Promise<void> => {
      await vscode.workspace.getConfiguration().update(SETTING, on, vscode.ConfigurationTarget.Global);
      await waitUntil(`the setting to be ${on}`, () => (vscode.workspace.getConfiguration().get(SETTING) === (on ?? false) ? true : undefined));
      await api.integrations.terminalSettled();
    };

    const collectionEntries = (): Record<string, { type: vscode.EnvironmentVariableMutatorType; value: string }> => {
      const out: Record<string, { type: vscode.EnvironmentVariableMutatorType; value: string }> = {};
      api.context.extension.environmentVariableCollection.forEach((name, m) => (out[name] = { type: m.type, value: m.value }));
      return out;
    };

    /** The environment a Python program sees in a new integrated terminal. */
    const envInNewTerminal = async (label: string): Promise<Record<string, string | null>> => {
      const out = path.join(scratch, `env-${label}.json`);
      const terminal = vscode.window.createTerminal({ name: `mpscope-test ${label}`, cwd: scratch });
      terminals.push(terminal);
      terminal.sendText(`python3 '${path.join(fixtures, 'print_env.py')}' '${out}'`);
      const text = await waitUntil(`${out} from the terminal`, () => (fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : undefined), 30000);
      terminal.dispose();
      return JSON.parse(text);
    };

    before(() => {
      fixtures = path.join(extensionPath, 'test', 'fixtures', 'integrations');
    });

    after(async () => {
      for (const t of terminals) t.dispose();
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await setInjection(undefined);
    });

    it('with the setting off (the default), injects nothing into new terminals', async () => {
      await setInjection(undefined);
      assert.deepStrictEqual(collectionEntries(), {});
      assert.strictEqual(api.integrations.terminal().socket, undefined, 'a listener runs with the setting off');
      const env = await envInNewTerminal('off');
      assert.strictEqual(env.MPSCOPE_SOCKET, null);
      assert.strictEqual(env.MPSCOPE_TOKEN, null);
      assert.strictEqual(env.PYTHONPATH, process.env.PYTHONPATH ?? null);
    });

    it('with the setting on, new terminals get the agent on PYTHONPATH and the private channel', async () => {
      await setInjection(true);
      const socket = api.integrations.terminal().socket;
      assert.ok(socket, 'no listener after turning the setting on');
      const bootstrap = path.join(extensionPath, 'src', 'agent', 'bootstrap');
      const entries = collectionEntries();
      assert.strictEqual(entries.PYTHONPATH?.value.replace(/[:;]$/, ''), bootstrap);
      assert.strictEqual(entries.MPSCOPE_SOCKET?.value, socket);
      assert.strictEqual(api.context.extension.environmentVariableCollection.persistent, true);
      // The socket's folder is private to this user.
      assert.strictEqual(fs.statSync(path.dirname(socket)).mode & 0o077, 0);

      const env = await envInNewTerminal('on');
      assert.strictEqual(env.MPSCOPE_SOCKET, socket);
      assert.strictEqual(env.MPSCOPE_TOKEN, entries.MPSCOPE_TOKEN?.value);
      assert.ok(env.PYTHONPATH, 'PYTHONPATH is not set in the terminal');
      const entriesOnPath = (env.PYTHONPATH as string).split(path.delimiter);
      assert.strictEqual(entriesOnPath[0], bootstrap);
      // No empty entry: Python would read it as the current directory and import differently.
      assert.ok(!entriesOnPath.includes(''), `PYTHONPATH has an empty entry: ${JSON.stringify(env.PYTHONPATH)}`);
    });

    it('follows a multiprocessing program typed into a terminal: its processes are named in the tree and its findings reach the editor', async () => {
      assert.ok(api.integrations.terminal().socket, 'the setting is not on (previous test)');
      const run = api.run;
      const processes = api.processes;
      assert.ok(run && processes, 'the run feature or the Processes view did not start');
      const release = path.join(scratch, 'release');
      const pidFile = path.join(scratch, 'terminal-program.pids');
      const script = path.join(fixtures, 'terminal_program.py');
      const terminal = vscode.window.createTerminal({ name: 'mpscope-test program', cwd: scratch });
      terminals.push(terminal);
      terminal.sendText(`python3 '${script}' '${release}' '${pidFile}'`);
      try {
        const [rootPid, workerPid] = (
          await waitUntil('the program to start its worker', () => (fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8') : undefined), 30000)
        )
          .split(' ')
          .map(Number);
        pids.push(workerPid, rootPid);

        // mpscope follows it: one program, rooted at the script's process, with the named worker.
        // The worker's name comes in its hello, its start site a message later (a forked child
        // sends the start its parent prepared): wait for both.
        const program = await waitUntil('mpscope to follow the program', () =>
          api.integrations.terminal().programs.find((p) => p.rootPid === rootPid && p.processes.get(workerPid)?.mpName && p.processes.get(workerPid)?.startSite),
        );
        assert.strictEqual(program.program, script);
        assert.strictEqual(program.processes.get(workerPid)?.mpName, 'mpscope-terminal-worker');
        assert.strictEqual(program.processes.get(workerPid)?.startSite?.file, script);

        // The Processes view names the worker, in the process tree and under the run node.
        const node = await waitUntil('the worker in the process tree, named', async () => {
          const tree = await processes.refresh();
          const n = tree?.model.byPid.get(workerPid);
          return n?.annotation?.mpName ? n : undefined;
        });
        assert.strictEqual(node.annotation?.mpName, 'mpscope-terminal-worker');
        assert.strictEqual(node.runMember, true, 'the worker is not shown as part of a followed program');
        assert.strictEqual(run.state.script, script, 'the program is not shown as the current run');
        const rows = JSON.stringify(run.runRows());
        assert.match(rows, new RegExp(`mpscope-terminal-worker \\(${workerPid}\\)`), `run node: ${rows}`);
        if (ui.available) {
          await vscode.commands.executeCommand('mpscope.processes.focus');
          await ui.waitFor(`.monaco-list-row:has-text("mpscope-terminal-worker (${workerPid})")`, { timeout: 20000 });
          await ui.screenshot('integrations-terminal-program-in-tree');
        }

        // Its worker fails and the parent never looks: the finding reaches the editor when it ends.
        fs.writeFileSync(release, '');
        await waitUntil('the program to end', () => (program.ended ? true : undefined), 30000);
        const finding = await waitUntil('the child-exception finding', () =>
          run.state.report?.findings.find((f) => f.kind === 'child-exception'),
        );
        assert.ok(finding.pids.includes(workerPid), JSON.stringify(finding));
        const diagnostics = await waitUntil('mpscope diagnostics in the script', () => {
          const d = vscode.languages.getDiagnostics(vscode.Uri.file(script)).filter((x) => x.source === 'mpscope');
          return d.length > 0 ? d : undefined;
        });
        assert.ok(diagnostics.some((d) => /terminal worker failed|ValueError/.test(d.message)), JSON.stringify(diagnostics.map((d) => d.message)));
        assert.strictEqual(run.state.live, false);
      } finally {
        // Also on failure: a program left waiting would stay the live run, and the next
        // tests' programs would not be shown.
        fs.writeFileSync(release, '');
        terminal.dispose();
        await waitUntil('the program to end', () => (api.integrations.terminal().programs.every((p) => p.program !== script || p.ended) ? true : undefined), 30000).catch(() => undefined);
        await vscode.commands.executeCommand('mpscope.clearRun');
      }
    });

    it('a deadlock in a terminal program is found live; Stop Run ends its processes', async () => {
      const run = api.run;
      assert.ok(run, 'the run feature did not start');
      const script = path.join(extensionPath, 'media', 'examples', 'deadlock_lock_order.py');
      const terminal = vscode.window.createTerminal({ name: 'mpscope-test deadlock', cwd: scratch });
      terminals.push(terminal);
      terminal.sendText(`python3 '${script}'`);
      const program = await waitUntil('mpscope to follow the program', () =>
        api.integrations.terminal().programs.find((p) => p.program === script && !p.ended && p.processes.size >= 3), 30000);
      const programPids = [...program.processes.keys()];
      pids.push(...programPids);
      const deadlock = await waitUntil('the live deadlock finding', () =>
        run.state.script === script ? run.state.report?.findings.find((f) => f.kind === 'deadlock') : undefined, 30000);
      assert.match(deadlock.message, /transfer|audit/);
      assert.strictEqual(run.state.live, true, 'the deadlocked program is not kept alive');
      await vscode.commands.executeCommand('mpscope.stopRun');
      await waitUntil('the program to end', () => (program.ended && !run.state.live ? true : undefined), 30000);
      // Killed children may stay zombies for a moment, until whoever adopted them reaps them.
      await waitUntil('every process of the stopped program to be gone', () => (programPids.every((pid) => !running(pid)) ? true : undefined), 10000);
      terminal.dispose();
    });

    it('starting an mpscope run while a terminal program is shown leaves that program running', async () => {
      const run = api.run;
      assert.ok(run, 'the run feature did not start');
      const release = path.join(scratch, 'release-detach');
      const pidFile = path.join(scratch, 'detach.pids');
      const script = path.join(fixtures, 'terminal_program.py');
      const terminal = vscode.window.createTerminal({ name: 'mpscope-test detach', cwd: scratch });
      terminals.push(terminal);
      terminal.sendText(`python3 '${script}' '${release}' '${pidFile}'`);
      const [rootPid, workerPid] = (await waitUntil('the program to start its worker', () => (fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8') : undefined), 30000))
        .split(' ')
        .map(Number);
      pids.push(workerPid, rootPid);
      await waitUntil('the program to be the current run', () => (run.state.script === script && run.state.live ? true : undefined));

      const fixed = path.join(extensionPath, 'media', 'examples', 'fixed', 'unjoined_child.py');
      await vscode.commands.executeCommand('mpscope.runFile', vscode.Uri.file(fixed));
      await waitUntil('the new run to end', () => (run.state.script === fixed && !run.state.live && run.state.report ? true : undefined), 60000);
      for (const pid of [rootPid, workerPid]) process.kill(pid, 0); // throws if the terminal program was killed
      fs.writeFileSync(release, '');
      await waitUntil('the terminal program to end by itself', () => {
        try {
          process.kill(rootPid, 0);
          return undefined;
        } catch {
          return true;
        }
      }, 30000);
      terminal.dispose();
      await vscode.commands.executeCommand('mpscope.clearRun');
    });

    it('turning the setting off again clears the terminals\' environment, closes the channel, and old terminals stay quiet', async () => {
      const socket = api.integrations.terminal().socket;
      assert.ok(socket, 'the setting is not on (previous tests)');
      // A terminal opened while the setting was on keeps its environment (VS Code offers to relaunch it).
      const old = vscode.window.createTerminal({ name: 'mpscope-test opened while on', cwd: scratch });
      terminals.push(old);
      const ready = path.join(scratch, 'old-ready.json');
      old.sendText(`python3 '${path.join(fixtures, 'print_env.py')}' '${ready}'`);
      await waitUntil('the old terminal to run Python', () => (fs.existsSync(ready) ? true : undefined), 30000);

      await setInjection(false);
      assert.deepStrictEqual(collectionEntries(), {});
      assert.strictEqual(api.integrations.terminal().socket, undefined);
      await waitUntil('the socket file to go', () => (!fs.existsSync(socket) ? true : undefined));
      const env = await envInNewTerminal('off-again');
      assert.strictEqual(env.MPSCOPE_SOCKET, null);

      // Python in the old terminal still has the agent on PYTHONPATH, finds no listener, and says nothing.
      const out = path.join(scratch, 'old-after.json');
      const err = path.join(scratch, 'old-after.err');
      old.sendText(`python3 '${path.join(fixtures, 'print_env.py')}' '${out}' 2> '${err}'`);
      const after = JSON.parse(await waitUntil('the old terminal to run Python again', () => (fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : undefined), 30000));
      assert.strictEqual(after.MPSCOPE_SOCKET, socket, 'the old terminal lost its environment (test premise)');
      await waitUntil('stderr to be written', () => (fs.existsSync(err) ? true : undefined));
      assert.strictEqual(fs.readFileSync(err, 'utf8'), '', 'the agent printed to stderr in an old terminal');
      old.dispose();
    });
  });

  describe('Getting Started walkthrough', () => {
    let steps: WalkthroughStep[];
    before(() => {
      const walkthrough = manifest.contributes.walkthroughs.find((w) => w.id === 'gettingStarted');
      assert.ok(walkthrough, 'no gettingStarted walkthrough');
      steps = walkthrough.steps;
    });

    it('has a Markdown page and a completion event for every step, in the order of the story', () => {
      assert.deepStrictEqual(
        steps.map((s) => s.id),
        ['openExamples', 'runDeadlock', 'seeAnnotation', 'openReport', 'insertSnippet', 'fixBug', 'runClean'],
      );
      for (const s of steps) {
        assert.ok(s.media.markdown, `${s.id} has no Markdown page`);
        assert.ok(fs.existsSync(path.join(extensionPath, s.media.markdown)), `${s.media.markdown} is missing`);
        assert.ok(s.completionEvents.length > 0, `${s.id} has no completion event`);
      }
    });

    it('names only commands that exist, in its steps, its pages and its completion events', async () => {
      const registered = new Set(await vscode.commands.getCommands(true));
      const missing: string[] = [];
      for (const s of steps) {
        const page = fs.readFileSync(path.join(extensionPath, s.media.markdown!), 'utf8');
        const ids = [
          ...commandLinks(s.description),
          ...commandLinks(page),
          ...s.completionEvents.filter((e) => e.startsWith('onCommand:')).map((e) => e.slice('onCommand:'.length)),
        ];
        for (const id of ids) if (!registered.has(id)) missing.push(`${s.id}: ${id}`);
      }
      assert.deepStrictEqual(missing, [], 'walkthrough names commands that are not registered');
    });

    it('opens from "mpscope: Get Started"', async () => {
      await vscode.commands.executeCommand('mpscope.getStarted');
      if (ui.available) {
        await ui.waitFor(':text("Get Started with mpscope")', { timeout: 20000 });
        await ui.screenshot('integrations-walkthrough');
      }
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    it('runs the whole story with real commands: examples, deadlock, findings, report, snippet, stop, fix, clean run', async function () {
      this.timeout(240000);
      const run = api.run;
      assert.ok(run, 'the run feature did not start');
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      assert.ok(folder, 'the test needs a workspace folder');
      // Step 1, without reopening the window: the copy goes inside the open folder.
      const target = path.join(folder, 'mpscope-examples-story');
      fs.rmSync(target, { recursive: true, force: true });
      const example = path.join(target, 'deadlock_lock_order.py');
      let pids: number[] = [];
      try {
        await vscode.commands.executeCommand('mpscope.openExamples', { target, open: false });

        // Step 2: run the deadlocking example; it hangs and mpscope names the cycle.
        const first = await vscode.commands.executeCommand<{ file?: string; ran: boolean }>('mpscope.runExample', 'deadlock_lock_order.py');
        assert.deepStrictEqual(first, { file: example, ran: true });
        assert.strictEqual(run.state.script, example);
        const deadlock = await waitUntil('the deadlock finding', () => run.state.report?.findings.find((f) => f.kind === 'deadlock'), 30000);
        pids = run.controller.processes().map((p) => p.pid);
        assert.ok(run.state.live, 'the deadlocked run is not kept alive');
        assert.match(deadlock.message, /transfer|audit/);

        // "Attach Python Debugger" on the run's `transfer` row: a session named after it.
        const transfer = run.controller.processes().find((p) => p.name === 'transfer');
        assert.ok(transfer, 'no process named transfer in the run');
        const attachTarget = api.integrations.resolveAttachTarget(`run:${run.state.generation}:${transfer.pid}`);
        assert.ok(attachTarget, 'the run row was not resolved');
        assert.deepStrictEqual({ pid: attachTarget.pid, mpName: attachTarget.mpName, isPython: attachTarget.isPython }, {
          pid: transfer.pid,
          mpName: 'transfer',
          isPython: true,
        });
        const seen: vscode.DebugConfiguration[] = [];
        const provider = vscode.debug.registerDebugConfigurationProvider('debugpy', {
          resolveDebugConfiguration: (_f, c) => {
            seen.push({ ...c });
            return undefined; // record, and start nothing
          },
        });
        try {
          await api.integrations.startAttach(attachTarget);
        } finally {
          provider.dispose();
        }
        assert.deepStrictEqual(seen, [{ type: 'debugpy', request: 'attach', name: 'transfer', processId: transfer.pid, justMyCode: false }]);

        // Step 3: the findings, in the Findings view and as diagnostics on the example.
        await vscode.commands.executeCommand('mpscope.findings.focus');
        assert.ok(run.findingsRows().length > 0, 'the Findings view is empty');
        await waitUntil('diagnostics on the example', () => {
          const d = vscode.languages.getDiagnostics(vscode.Uri.file(example)).filter((x) => x.source === 'mpscope');
          return d.length > 0 ? d : undefined;
        });

        // Step 4: the report.
        await vscode.commands.executeCommand('mpscope.showReport');
        await waitUntil('the report panel', () => (run.report.isOpen ? true : undefined));
        if (ui.available) {
          // The report's header names the interpreter the run used (look at the picture).
          await new Promise((r) => setTimeout(r, 1500));
          await ui.screenshot('integrations-report-with-interpreter');
        }

        // Step 5: the snippet picker opens (and is closed again: the story's snippet is the user's choice).
        await vscode.window.showTextDocument(vscode.Uri.file(example));
        const picking = vscode.commands.executeCommand('mpscope.insertSnippet');
        await new Promise((r) => setTimeout(r, 500));
        await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
        await Promise.race([picking, new Promise((_, reject) => setTimeout(() => reject(new Error('Insert IPC Snippet did not return after its picker closed')), 10000))]);

        // Step 6: stop the run (no process of it remains), compare with the fixed version, fix.
        await vscode.commands.executeCommand('mpscope.stopRun');
        await waitUntil('the run to end', () => (!run.state.live ? true : undefined), 30000);
        assert.deepStrictEqual(pids.filter(running), [], 'processes of the stopped run are still alive');
        await vscode.commands.executeCommand('mpscope.compareWithFixedExample', vscode.Uri.file(example));
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        fs.copyFileSync(path.join(target, 'fixed', 'deadlock_lock_order.py'), example);

        // Step 7: run again: it ends by itself, with no findings.
        const second = await vscode.commands.executeCommand<{ ran: boolean }>('mpscope.runExample', 'deadlock_lock_order.py');
        assert.strictEqual(second?.ran, true);
        await waitUntil('the fixed run to end', () => (!run.state.live && run.state.report ? true : undefined), 60000);
        assert.deepStrictEqual(run.state.report?.findings.map((f) => f.kind), []);
        assert.strictEqual(run.state.report?.exitCode, 0);
        if (ui.available) {
          await vscode.commands.executeCommand('mpscope.getStarted');
          await ui.waitFor(':text("Get Started with mpscope")', { timeout: 20000 });
          await ui.screenshot('integrations-walkthrough-after-story');
          await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
        }
      } finally {
        if (run.state.live) await vscode.commands.executeCommand('mpscope.stopRun');
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone
          }
        }
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        if (!run.state.live) await vscode.commands.executeCommand('mpscope.clearRun');
        fs.rmSync(target, { recursive: true, force: true });
      }
    });

    it('"Compare with the Fixed Version" opens a diff of an example and its fixed twin', async () => {
      const target = path.join(scratch, 'examples-diff');
      await vscode.commands.executeCommand('mpscope.openExamples', { target, open: false });
      const file = vscode.Uri.file(path.join(target, 'deadlock_lock_order.py'));
      const r = await vscode.commands.executeCommand<{ left: string; right: string }>('mpscope.compareWithFixedExample', file);
      assert.deepStrictEqual(r, { left: file.fsPath, right: path.join(target, 'fixed', 'deadlock_lock_order.py') });
      const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
      assert.ok(tab?.input instanceof vscode.TabInputTextDiff, `the active tab is ${tab?.label}`);
      assert.strictEqual(tab.input.original.fsPath, file.fsPath);
      assert.strictEqual(tab.input.modified.fsPath, path.join(target, 'fixed', 'deadlock_lock_order.py'));
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });
  });
});
