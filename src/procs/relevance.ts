// Which processes the default view needs modelled. Building the model for every process on every
// refresh costs more than reading them, so a refresh that is not "full" models only:
//   - Python processes, zombies, processes mpscope launched and members of its runs (with all
//     their descendants, whatever they run);
//   - the ancestors of those (for the tree's nearest shown ancestor and the orphan rules), and
//     the leaders of their process groups (for the group-leader rule).
// The rest of the machine is left out of such a model; a full refresh models everything.
import type { LaunchRegistry } from './launches';
import { isPythonProcess } from './python';
import type { ProcessTracker } from './tracker';
import { recordKey, type ProcessRecord } from './types';

const pythonCache = new WeakMap<ProcessRecord, boolean>();

function looksPython(r: ProcessRecord): boolean {
  let v = pythonCache.get(r);
  if (v === undefined) {
    v = !r.kernelThread && isPythonProcess(r);
    pythonCache.set(r, v);
  }
  return v;
}

export function relevantRecords(
  records: readonly ProcessRecord[],
  registry: LaunchRegistry,
  tracker: ProcessTracker,
): ProcessRecord[] {
  const byPid = new Map<number, ProcessRecord>();
  for (const r of records) byPid.set(r.pid, r);

  // Run membership flows down from launched processes: memoised walk up the parent chain.
  const member = new Map<ProcessRecord, boolean>();
  const isMember = (r: ProcessRecord, depth = 0): boolean => {
    const known = member.get(r);
    if (known !== undefined) return known;
    member.set(r, false); // cycle guard
    let v =
      registry.launchOf(r.pid, r.startToken) !== undefined || tracker.isRunMember(recordKey(r));
    if (!v && depth < 256) {
      const parent = byPid.get(r.ppid);
      v = !!parent && parent !== r && parent.startTime <= r.startTime && isMember(parent, depth + 1);
    }
    member.set(r, v);
    return v;
  };

  const keep = new Set<ProcessRecord>();
  const add = (r: ProcessRecord): void => {
    // The record and its ancestors, and its group leader.
    let cur: ProcessRecord | undefined = r;
    for (let i = 0; cur && !keep.has(cur) && i < 256; i++) {
      keep.add(cur);
      if (cur.pgid !== undefined && cur.pgid > 0) {
        const leader = byPid.get(cur.pgid);
        if (leader) keep.add(leader);
      }
      cur = byPid.get(cur.ppid);
    }
  };
  const anyRuns = !registry.isEmpty || tracker.hasRunMembers;
  for (const r of records) {
    if (r.kernelThread) continue;
    if (looksPython(r) || r.state === 'zombie' || (anyRuns && isMember(r))) add(r);
  }
  return records.filter((r) => keep.has(r));
}
