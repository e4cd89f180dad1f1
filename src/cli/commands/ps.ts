// `mpscope ps`: the Processes view's model in a terminal: a tree for people, JSON for tools.
import type { CliCommand, CliIO } from '../command';
import { EXIT_FINDINGS, EXIT_OK, UsageError } from '../usage';
import {
  FILTER_LABELS,
  ProcessMonitor,
  ROLE_LABELS,
  buildTree,
  depthOf,
  displayName,
  formatCpu,
  formatMemory,
  orphanRulesHelp,
  orphanSummary,
  stateLabel,
  zombieSummary,
  type ProcessFilter,
  type ProcessModel,
  type ProcessNode,
  type ProcessTree,
} from '../../procs';

/** CPU % is measured between two snapshots this far apart. */
const CPU_WINDOW_MS = 250;

const USAGE = `Usage: mpscope ps [--json] [--all] [--pid N]

Shows the process tree the way the Processes view does: your Python processes (and their zombie
children), with each process's multiprocessing role, and zombies and orphans marked.

Options:
  --json     one JSON object per process (an array), for tools
  --all      all your processes, not only Python ones
  --pid N    only process N and its descendants
  -h, --help show this help

CPU % is measured over ${CPU_WINDOW_MS} ms, not averaged over the process's lifetime.
A zombie has exited but was not reaped by its parent. An orphan lost its parent and was adopted
(by init or a subreaper such as systemd --user); each orphan names the rule that found it:
${orphanRulesHelp()}

Exit status: 0 no zombie or orphan shown, 1 some shown, 2 bad usage or no such pid.
`;

interface PsOptions {
  json: boolean;
  all: boolean;
  pid?: number;
}

export function parsePsArgs(argv: string[]): PsOptions {
  const opts: PsOptions = { json: false, all: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') opts.json = true;
    else if (a === '--all') opts.all = true;
    else if (a === '--pid' || a.startsWith('--pid=')) {
      const value = a === '--pid' ? argv[++i] : a.slice('--pid='.length);
      if (value === undefined || value === '') throw new UsageError('--pid needs a process id, e.g. --pid 1234');
      if (!/^\d+$/.test(value) || Number(value) <= 0 || !Number.isSafeInteger(Number(value))) {
        throw new UsageError(`--pid needs a positive whole number, not '${value}'`);
      }
      opts.pid = Number(value);
    } else if (a.startsWith('-')) throw new UsageError(`unknown option '${a}' for ps (see mpscope ps --help)`);
    else throw new UsageError(`unexpected argument '${a}' (see mpscope ps --help)`);
  }
  return opts;
}

/** The JSON shape of one process: the CLI contract other tools read. */
export interface PsJsonProcess {
  pid: number;
  ppid: number;
  /** The parent shown in this tree (the nearest included ancestor), or null for a root. */
  treeParentPid: number | null;
  depth: number;
  name: string;
  displayName: string;
  command: string;
  user: string | null;
  uid: number | null;
  state: string;
  stateCode: string | null;
  startTime: string | null;
  threads: number | null;
  rssBytes: number | null;
  memPercent: number | null;
  cpuPercent: number | null;
  /** 'interval': measured over the last interval; 'os': the OS's own average; 'none'. */
  cpuBasis: string;
  python: boolean;
  role: string;
  helper: boolean;
  startMethod: string | null;
  zombie: boolean;
  zombieParentPid: number | null;
  zombieSince: string | null;
  orphan: boolean;
  orphanRule: string | null;
  orphanStrength: string | null;
  orphanDetail: string | null;
  orphanRules: string[];
  launched: boolean;
}

const iso = (ms: number | undefined): string | null => (ms !== undefined && Number.isFinite(ms) ? new Date(ms).toISOString() : null);

export function toJson(tree: ProcessTree): PsJsonProcess[] {
  return tree.ordered.map((n) => {
    const r = n.record;
    const parentKey = tree.parents.get(n.key);
    return {
      pid: n.pid,
      ppid: n.ppid,
      treeParentPid: parentKey ? tree.model.nodes.get(parentKey)!.pid : null,
      depth: depthOf(tree, n.key),
      name: r.name,
      displayName: displayName(n),
      command: n.command,
      user: r.user ?? null,
      uid: r.uid ?? null,
      state: r.state,
      stateCode: r.stateCode ?? null,
      startTime: iso(r.startTime),
      threads: r.threads ?? null,
      rssBytes: r.rssBytes ?? null,
      memPercent: r.memPercent ?? null,
      cpuPercent: n.cpuPercent === undefined ? null : Math.round(n.cpuPercent * 10) / 10,
      cpuBasis: n.cpuBasis,
      python: n.isPython,
      role: n.role,
      helper: n.helper,
      startMethod: n.startMethod ?? null,
      zombie: !!n.zombie,
      zombieParentPid: n.zombie ? n.zombie.parentPid : null,
      zombieSince: iso(n.zombie?.zombieSince),
      orphan: !!n.orphan,
      orphanRule: n.orphan?.[0].rule ?? null,
      orphanStrength: n.orphan?.[0].strength ?? null,
      orphanDetail: n.orphan?.[0].detail ?? null,
      orphanRules: n.orphan?.map((e) => e.rule) ?? [],
      launched: n.launched,
    };
  });
}

function flagsOf(n: ProcessNode, model: ProcessModel): string[] {
  const out: string[] = [];
  if (n.zombie) out.push(`ZOMBIE: ${zombieSummary(n, model)}`);
  if (n.orphan) out.push(`ORPHAN: ${orphanSummary(n)}`);
  return out;
}

export function formatTree(tree: ProcessTree): string {
  const lines: string[] = [];
  const header = ['PID', 'PPID', 'STATE', 'CPU', 'MEM', 'PROCESS'];
  const rows = tree.ordered.map((n) => {
    const depth = depthOf(tree, n.key);
    const name = displayName(n);
    const showRole = n.role !== 'other' && n.role !== 'unknown' && !name.includes(ROLE_LABELS[n.role]);
    const role = showRole ? `  [${ROLE_LABELS[n.role]}]` : '';
    return {
      cells: [String(n.pid), String(n.ppid), stateLabel(n) || '-', formatCpu(n) || '-', formatMemory(n) || '-'],
      name: `${'  '.repeat(depth)}${name}${role}`,
      flags: flagsOf(n, tree.model).map((f) => `${'  '.repeat(depth + 1)}${f}`),
    };
  });
  const widths = header.slice(0, 5).map((h, i) => Math.max(h.length, ...rows.map((r) => r.cells[i].length)));
  const pad = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  lines.push(`${pad(header.slice(0, 5))}  ${header[5]}`);
  const indent = ' '.repeat(widths.reduce((a, b) => a + b + 2, 0));
  for (const r of rows) {
    lines.push(`${pad(r.cells)}  ${r.name}`);
    for (const f of r.flags) lines.push(`${indent}${f}`);
  }
  return lines.join('\n') + '\n';
}

function summaryLine(tree: ProcessTree): string {
  const n = tree.ordered.length;
  const plural = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : word.endsWith('s') ? 'es' : 's'}`;
  return `${plural(n, 'process')}, ${plural(tree.zombies.length, 'zombie')}, ${plural(tree.orphans.length, 'orphan')} (${FILTER_LABELS[tree.filter].toLowerCase()}${tree.rootPid ? ` under pid ${tree.rootPid}` : ''}; CPU over ${CPU_WINDOW_MS} ms)\n`;
}

export const psCommand: CliCommand = {
  name: 'ps',
  summary: 'show the process tree, with multiprocessing roles, zombies and orphans',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const opts = parsePsArgs(argv);
    const monitor = new ProcessMonitor();
    monitor.fullRead = true; // two snapshots in a row: read everything both times
    await monitor.sample();
    await new Promise((resolve) => setTimeout(resolve, CPU_WINDOW_MS));
    const model = await monitor.sample();
    if (opts.pid !== undefined && !model.byPid.has(opts.pid)) {
      throw new UsageError(`no process with pid ${opts.pid} (it may have exited, or is hidden from you)`);
    }
    const filter: ProcessFilter = opts.all ? 'all' : 'python';
    const tree = buildTree(model, filter, { rootPid: opts.pid });
    if (opts.json) {
      io.stdout.write(JSON.stringify(toJson(tree), null, 2) + '\n');
    } else if (tree.ordered.length === 0) {
      io.stdout.write(
        opts.all ? 'No processes of yours are visible.\n' : 'No Python processes of yours are running (mpscope ps --all shows all of yours).\n',
      );
    } else {
      io.stdout.write(formatTree(tree));
      io.stdout.write(summaryLine(tree));
    }
    return tree.zombies.length > 0 || tree.orphans.length > 0 ? EXIT_FINDINGS : EXIT_OK;
  },
};
