// What the editor shows for the findings of a run, as plain data: diagnostics (one per finding
// and source line, with related information pointing at the other processes' lines), end-of-line
// decorations for the lines where processes of a live deadlock wait, and the hover text that
// explains them. src/ui/findings turns these into vscode objects; nothing here imports vscode.
//
// Severity rule: the lines where something goes wrong (a process waits, a child raised, a child
// was started and never joined) carry the finding's severity. Lines that only explain a deadlock
// (where the held lock was acquired) are Information, linked both ways by related information,
// so a two-process deadlock shows two errors, not four.
import {
  type ReportModel,
  type Severity,
  type SourceLocation,
  type ViewFinding,
  type Wait,
  processLabel,
  processName,
} from './model';
import { cycleChain } from './graph';

export interface RelatedData {
  file: string;
  line: number;
  message: string;
}

export interface DiagnosticData {
  file: string;
  /** 1-based, as in the report. */
  line: number;
  severity: Severity;
  message: string;
  /** The finding kind, shown as the diagnostic's code. */
  code: string;
  findingId: string;
  related: RelatedData[];
}

export interface DecorationData {
  file: string;
  line: number;
  /** "⏸ Process-2 (pid 4312) waits for Lock#1, held by Process-1 at line 14" */
  text: string;
  /** Markdown: the cycle and the stacks. */
  hover: string;
  findingId: string;
}

const PRIMARY_ROLES = new Set(['waits', 'wait', 'waiting', 'blocked']);
/** Roles whose line is where the finding happens, for findings other than deadlocks. */
const PRIMARY_LINE_ROLES = new Set([...PRIMARY_ROLES, 'exception', 'traceback', 'raise']);

function sameFile(a: string, b: string): boolean {
  return a === b;
}

function basename(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/** "line 14" when in the same file, else "worker.py:14". */
function lineRef(site: SourceLocation, fromFile: string): string {
  return sameFile(site.file, fromFile) ? `line ${site.line}` : `${basename(site.file)}:${site.line}`;
}

/** "held by Process-1 at line 14" / "held by Process-1 (exited) at line 14 and Process-3". */
function heldByText(model: ReportModel, w: Wait, fromFile: string): string {
  if (w.holders.length === 0) return '';
  const parts = w.holders.map((h) => {
    const who = `${processName(model, h.pid)}${h.dead ? ' (exited)' : ''}`;
    return h.site ? `${who} at ${lineRef(h.site, fromFile)}` : who;
  });
  return `, held by ${parts.join(' and ')}`;
}

const ROLE_TEXT: Record<string, string> = {
  start: 'started here',
  started: 'started here',
  traceback: 'raised here',
  exception: 'raised here',
  raise: 'raised here',
  join: 'joined here',
  exit: 'exited here',
  'parent-exit': 'parent exited here',
  create: 'created here',
  created: 'created here',
  unlink: 'unlinked here',
  acquired: 'acquired here',
  acquire: 'acquired here',
  waits: 'waits here',
};

function roleText(role: string | undefined): string {
  if (!role) return 'here';
  return ROLE_TEXT[role] ?? `${role.replace(/-/g, ' ')} here`;
}

function locKey(file: string, line: number): string {
  return `${file}\n${line}`;
}

/** Diagnostics of a deadlock finding with wait details. */
function deadlockDiagnostics(model: ReportModel, f: ViewFinding): DiagnosticData[] {
  const byLine = new Map<string, DiagnosticData>();
  const add = (site: SourceLocation, severity: Severity, message: string) => {
    const key = locKey(site.file, site.line);
    const existing = byLine.get(key);
    if (existing) {
      if (!existing.message.includes(message)) existing.message += `; ${message}`;
      if (rank(severity) > rank(existing.severity)) existing.severity = severity;
      return;
    }
    byLine.set(key, {
      file: site.file,
      line: site.line,
      severity,
      message,
      code: f.kind,
      findingId: f.id,
      related: [],
    });
  };
  const title = f.kind === 'deadlock' ? 'Deadlock' : 'Potential deadlock';
  // The hazard behind the waits (a Pool worker killed mid-task, a failing Pool initializer...)
  // is what the user must read at the line where the program hangs.
  const why = f.hazard ? `. ${f.hazard.charAt(0).toUpperCase()}${f.hazard.slice(1).replace(/\.?$/, '.')}` : '';
  // The lines where processes wait, and the lines where the locks they wait on were acquired.
  const waitSites: Array<{ site: SourceLocation; text: string }> = [];
  const acquireSites: Array<{ site: SourceLocation; text: string }> = [];
  for (const w of f.waits) {
    if (w.site) {
      // A process outside the cycle that waits on it (the parent joining a deadlocked child)
      // is a victim, not a cause: a warning, so the errors point at the cycle.
      const victim = f.cycle.length > 0 && !f.cycle.includes(w.pid);
      add(
        w.site,
        victim && f.severity === 'error' ? 'warning' : f.severity,
        `${title}: ${processLabel(model, w.pid)} waits for ${w.primitive.label}${heldByText(model, w, w.site.file)}`,
      );
      waitSites.push({
        site: w.site,
        text: `${processLabel(model, w.pid)} waits for ${w.primitive.label} here`,
      });
    }
    for (const h of w.holders) {
      if (!h.site) continue;
      const waiter = processName(model, w.pid);
      add(
        h.site,
        'info',
        `${title}: ${w.primitive.label} acquired here by ${processLabel(model, h.pid)}${h.dead ? ', which then exited' : ''}; ${waiter} waits for it`,
      );
      acquireSites.push({
        site: h.site,
        text: `${w.primitive.label} acquired here by ${processLabel(model, h.pid)}`,
      });
    }
  }
  if (why) {
    for (const { site } of waitSites) {
      const d = byLine.get(locKey(site.file, site.line));
      if (d && !d.message.endsWith(why)) d.message += why;
    }
  }
  // Locations of the finding not covered by the waits (e.g. a start site) still get a diagnostic.
  const otherSites: Array<{ site: SourceLocation; text: string }> = [];
  for (const loc of f.locations) {
    if (byLine.has(locKey(loc.file, loc.line))) continue;
    const who = loc.pid !== undefined ? `${processLabel(model, loc.pid)} ` : '';
    add(loc, PRIMARY_ROLES.has(loc.role ?? '') ? f.severity : 'info', `${title}: ${who}${roleText(loc.role)}`);
    otherSites.push({ site: loc, text: `${who}${roleText(loc.role)}` });
  }
  // Related information: every other line of the finding.
  const all = [...waitSites, ...acquireSites, ...otherSites];
  for (const d of byLine.values()) {
    const seen = new Set<string>();
    for (const r of all) {
      const key = locKey(r.site.file, r.site.line) + r.text;
      if (seen.has(key) || (r.site.file === d.file && r.site.line === d.line)) continue;
      seen.add(key);
      d.related.push({ file: r.site.file, line: r.site.line, message: r.text });
    }
  }
  return [...byLine.values()];
}

function rank(s: Severity): number {
  return s === 'error' ? 2 : s === 'warning' ? 1 : 0;
}

/** Diagnostics of any other finding: one per location line, related to the other lines. */
function genericDiagnostics(model: ReportModel, f: ViewFinding): DiagnosticData[] {
  const byLine = new Map<string, DiagnosticData>();
  const described = (loc: SourceLocation) => {
    const who = loc.pid !== undefined ? processLabel(model, loc.pid) : '';
    // A start is done by the parent: "started here by MainProcess", not "MainProcess started".
    if (who && (loc.role === 'start' || loc.role === 'started')) return `started here by ${who}`;
    return `${who} ${roleText(loc.role)}`.trim();
  };
  const distinctLines = new Set(f.locations.map((l) => locKey(l.file, l.line)));
  for (const loc of f.locations) {
    const key = locKey(loc.file, loc.line);
    const existing = byLine.get(key);
    // The finding's message already tells what happens at its main line (where it raised,
    // where it waits); the other lines say what they are ("started here by ...").
    const primary = !loc.role || PRIMARY_LINE_ROLES.has(loc.role);
    const suffix = distinctLines.size > 1 && !primary ? ` (${described(loc)})` : '';
    if (existing) {
      if (suffix && !existing.message.includes(suffix)) existing.message += suffix;
      continue;
    }
    byLine.set(key, {
      file: loc.file,
      line: loc.line,
      severity: f.severity,
      message: `${f.message}${suffix}`,
      code: f.kind,
      findingId: f.id,
      related: [],
    });
  }
  for (const d of byLine.values()) {
    for (const loc of f.locations) {
      if (loc.file === d.file && loc.line === d.line) continue;
      if (d.related.some((r) => r.file === loc.file && r.line === loc.line)) continue;
      d.related.push({ file: loc.file, line: loc.line, message: described(loc) });
    }
  }
  return [...byLine.values()];
}

/** Every finding of the report as diagnostics, one per finding and line. */
export function buildDiagnostics(model: ReportModel): DiagnosticData[] {
  const out: DiagnosticData[] = [];
  for (const f of model.findings) {
    if (f.waits.length > 0) out.push(...deadlockDiagnostics(model, f));
    else out.push(...genericDiagnostics(model, f));
  }
  return out;
}

/** Markdown for the hover of a waiting line: the cycle, then the stack of each process in it. */
export function deadlockHover(model: ReportModel, f: ViewFinding, fromPid?: number): string {
  const lines: string[] = [];
  lines.push(`**mpscope: ${f.kind === 'deadlock' ? 'deadlock' : f.kind}**`, '');
  lines.push(escapeMarkdown(f.message), '');
  const chain = cycleChain(model, f, fromPid);
  if (chain.length > 0) lines.push(`Wait-for cycle: ${chain.map(escapeMarkdown).join(' → ')}`, '');
  for (const w of f.waits) {
    const held = w.holders
      .map((h) => `${processName(model, h.pid)}${h.dead ? ' (exited)' : ''}${h.site ? ` at ${basename(h.site.file)}:${h.site.line}` : ''}`)
      .join(', ');
    lines.push(
      `- ${escapeMarkdown(processLabel(model, w.pid))} waits for **${escapeMarkdown(w.primitive.label)}**` +
        (w.site ? ` at ${escapeMarkdown(basename(w.site.file))}:${w.site.line}` : '') +
        (held ? `, held by ${escapeMarkdown(held)}` : ''),
    );
  }
  const pids = [...new Set([...f.waits.map((w) => w.pid), ...f.pids])];
  for (const pid of pids) {
    const threads = f.stacks.get(pid);
    if (!threads || threads.length === 0) continue;
    lines.push('', `**Stack of ${escapeMarkdown(processLabel(model, pid))}**, innermost call first`, '', '```');
    for (const t of threads) {
      if (threads.length > 1) lines.push(`Thread ${t.thread}:`);
      for (const fr of t.frames) {
        // The user's frames are marked; stdlib frames are what the process is blocked inside.
        const mark = fr.user ? '→' : ' ';
        lines.push(`${mark} ${basename(fr.file)}:${fr.line}${fr.func ? ` in ${fr.func}` : ''}`);
      }
    }
    lines.push('```');
  }
  return lines.join('\n');
}

function escapeMarkdown(s: string): string {
  // '#' only starts a heading at the start of a line; "Lock#1" stays readable.
  return s.replace(/([\\`*_{}[\]<>|])/g, '\\$1').replace(/^#/gm, '\\#');
}

/** End-of-line decorations for the lines where processes of an active deadlock wait. */
export function buildDecorations(model: ReportModel): DecorationData[] {
  const byLine = new Map<string, DecorationData>();
  for (const f of model.findings) {
    if (f.kind !== 'deadlock') continue;
    for (const w of f.waits) {
      if (!w.site) continue;
      const hover = deadlockHover(model, f, w.pid);
      const text = `⏸ ${processLabel(model, w.pid)} waits for ${w.primitive.label}${heldByText(model, w, w.site.file)}`;
      const key = locKey(w.site.file, w.site.line);
      const existing = byLine.get(key);
      if (existing) {
        if (!existing.text.includes(text)) existing.text += `  ${text}`;
        continue;
      }
      byLine.set(key, { file: w.site.file, line: w.site.line, text, hover, findingId: f.id });
    }
  }
  return [...byLine.values()];
}
