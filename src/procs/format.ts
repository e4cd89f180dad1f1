// How processes read for people, shared by the CLI and the Processes view so both say the same
// thing in the same words.
import type { ProcessModel, ProcessNode } from './model';
import { ORPHAN_RULES } from './orphans';
import { baseName, pythonTarget } from './python';
import { ROLE_LABELS } from './roles';

export function formatBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function formatCpu(node: ProcessNode): string {
  if (node.cpuPercent === undefined) return '';
  return `${node.cpuPercent.toFixed(node.cpuPercent < 10 ? 1 : 0)}%`;
}

export function formatMemory(node: ProcessNode): string {
  if (node.record.state === 'zombie') return ''; // it has no memory left
  if (node.record.rssBytes !== undefined) return formatBytes(node.record.rssBytes);
  if (node.record.memPercent !== undefined) return `${node.record.memPercent.toFixed(1)}% mem`;
  return '';
}

/** "42 s", "3 min 5 s", "2 h 10 min", "3 d 4 h". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** Local wall-clock time, e.g. "14:03:27" (with the date when it is not today). */
export function formatClock(epochMs: number, now = Date.now()): string {
  if (!Number.isFinite(epochMs)) return 'unknown';
  const d = new Date(epochMs);
  const pad = (x: number) => String(x).padStart(2, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const today = new Date(now).toDateString() === d.toDateString();
  return today ? time : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

/** The state as a word; '' when the back end cannot tell (ps-list: only zombies are known). */
export function stateLabel(node: ProcessNode): string {
  return node.record.state === 'unknown' ? '' : node.record.state;
}

/**
 * A short name for the row: the multiprocessing name when a run reported it, the helper's
 * name, or for a script `python3 app.py`.
 */
export function displayName(node: ProcessNode): string {
  if (node.annotation?.mpName) return node.annotation.mpName;
  switch (node.role) {
    case 'resource-tracker':
      return 'resource_tracker';
    case 'forkserver':
      return 'forkserver';
    case 'spawn-child':
      return 'spawn child';
    default:
      break;
  }
  if (node.isPython) {
    const argv = node.argv.length > 0 ? node.argv : node.command.split(/\s+/).filter(Boolean);
    const exe = argv.length > 0 ? baseName(argv[0]) : node.record.name;
    const target = argv.length > 0 ? pythonTarget(argv) : undefined;
    const base = target ? `${exe} ${target}` : exe;
    if (node.role === 'fork-child' || node.role === 'forkserver-child') return `${base} (${ROLE_LABELS[node.role]})`;
    return base;
  }
  // argv[0] names the program better than the 15-character comm, but some programs (Chromium)
  // rewrite their whole command line into argv[0]: keep its first word only.
  const argv0 = node.argv[0]?.split(/\s/)[0];
  return argv0 && !argv0.startsWith('[') && !argv0.startsWith('-') ? baseName(argv0) : node.record.name;
}

/** "sleeping · 0.3% · 12 MiB" */
export function describeNode(node: ProcessNode): string {
  return [stateLabel(node), formatCpu(node), formatMemory(node)].filter(Boolean).join(' · ');
}

/** One sentence on a zombie: who has not reaped it, and for how long, as far as the OS tells. */
export function zombieSummary(node: ProcessNode, model: ProcessModel): string | undefined {
  const z = node.zombie;
  if (!z) return undefined;
  const parent = `${z.parentPid}${z.parentName ? ` (${z.parentName})` : ''}`;
  const since = model.takenAt - z.zombieSince;
  // The kernel does not record when a process exited: say what mpscope saw.
  const when = z.lastAliveAt
    ? `exited between ${formatClock(z.lastAliveAt)} and ${formatClock(z.zombieSince)}, so a zombie for about ${formatDuration(since)}`
    : `a zombie for at least ${formatDuration(since)} (since mpscope first saw it at ${formatClock(z.zombieSince)}; the OS does not record when it exited)`;
  const reaper = z.parentIsAdopter
    ? `its parent ${parent} adopts orphans and normally reaps at once; if this persists, ${parent} is not reaping`
    : `not reaped by its parent ${parent}, which has not called wait()/join() for it`;
  return `${reaper}; ${when}`;
}

/** One sentence on an orphan: the strongest rule that fired and what it saw. */
export function orphanSummary(node: ProcessNode): string | undefined {
  const e = node.orphan?.[0];
  if (!e) return undefined;
  const strength = e.strength === 'proof' ? 'proof' : e.strength === 'strong' ? 'evidence' : 'a guess';
  return `rule ${e.rule} (${strength}): ${e.detail}`;
}

/** The rule list for help texts. */
export function orphanRulesHelp(): string {
  return Object.entries(ORPHAN_RULES)
    .map(([rule, r]) => `  ${rule.padEnd(24)} ${r.strength.padEnd(6)} ${r.summary}`)
    .join('\n');
}
