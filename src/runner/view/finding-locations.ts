// The lines of one finding, each with what happens there, in the order a person follows them:
// for a deadlock, where each process waits and then where each held lock was acquired; for other
// findings, the report's locations. Used by the Findings view (one child row per line) and by
// the report's primary link.
import { type ReportModel, type SourceLocation, type ViewFinding, processLabel, processName } from './model';

export interface FindingLine {
  location: SourceLocation;
  /** "Process-2 (pid 102) waits for Lock#1", "Lock#1 acquired by Process-1 (pid 101)". */
  text: string;
}

const ROLE_VERB: Record<string, string> = {
  start: 'started',
  started: 'started',
  traceback: 'raised',
  exception: 'raised',
  join: 'joined',
  exit: 'exited',
  'parent-exit': 'parent exited',
  create: 'created',
  unlink: 'unlinked',
  acquired: 'acquired',
  waits: 'waits',
};

export function findingLines(model: ReportModel, f: ViewFinding): FindingLine[] {
  const out: FindingLine[] = [];
  const seen = new Set<string>();
  const add = (location: SourceLocation, text: string) => {
    const key = `${location.file}\n${location.line}\n${text}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ location, text });
  };
  for (const w of f.waits) {
    if (w.site) add(w.site, `${processLabel(model, w.pid)} waits for ${w.primitive.label}`);
  }
  for (const w of f.waits) {
    for (const h of w.holders) {
      if (h.site) add(h.site, `${w.primitive.label} acquired by ${processLabel(model, h.pid)}${h.dead ? ', which exited' : ''}`);
    }
  }
  const covered = new Set(out.map((l) => `${l.location.file}\n${l.location.line}`));
  for (const loc of f.locations) {
    if (covered.has(`${loc.file}\n${loc.line}`)) continue;
    const verb = loc.role ? (ROLE_VERB[loc.role] ?? loc.role.replace(/-/g, ' ')) : '';
    const who = loc.pid !== undefined ? processName(model, loc.pid) : '';
    // "started" is done by the parent to the child: say who started it, not that it started.
    const text =
      verb === 'started' && who
        ? `started here by ${who}`
        : [who, verb, verb ? 'here' : ''].filter(Boolean).join(' ');
    add(loc, text || f.kind);
  }
  return out;
}
