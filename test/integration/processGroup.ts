// Ending the process group of a multiprocessing program a test started plainly (without
// mpscope), without leaving its named semaphores behind in /dev/shm.
//
// Under spawn and forkserver every Lock, Queue or Event has a named POSIX semaphore. A process
// unlinks its own at exit; for one killed first, multiprocessing's resource tracker unlinks them
// once the last process of the program is gone. The tracker ignores SIGINT and SIGTERM, and
// SIGKILLed together with the rest it unlinks nothing: killing whole groups left ~100 sem.mp-*
// files in /dev/shm per test run. So: SIGKILL everything but the trackers, let them clean up
// and exit, then SIGKILL whatever is left.
import * as fs from 'fs';

interface Member {
  pid: number;
  tracker: boolean;
}

/** Live (not zombie) processes of process group `pgid`. */
function members(pgid: number): Member[] {
  const out: Member[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid || fields[0] === 'Z') continue;
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8');
      out.push({ pid: Number(name), tracker: cmdline.includes('multiprocessing.resource_tracker') });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

export async function killProcessGroup(pgid: number | undefined, graceMs = 2000): Promise<void> {
  if (!pgid) return;
  // Twice: a dying process can fork once more before its SIGKILL lands.
  for (let round = 0; round < 2; round++) {
    for (const m of members(pgid)) if (!m.tracker) kill(m.pid);
    await new Promise((r) => setTimeout(r, 20));
  }
  const deadline = Date.now() + graceMs;
  while (members(pgid).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // the group is empty
  }
}
