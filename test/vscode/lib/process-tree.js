// Finds and ends every process a launcher started, including the ones that left its process
// group or lost their parent: code-server's file watchers and pty host, and whatever the tests
// start from the extension host, can outlive a careless kill. Used by the launchers and by
// watchdog.js. Linux and macOS (both have `ps` with these columns).
const { spawnSync } = require('child_process');

/** @typedef {{ pid: number, ppid: number, pgid: number, started: string }} Proc */

/** Every live process on the machine (zombies left out: they are already dead). */
function listProcesses() {
  const r = spawnSync('ps', ['-A', '-o', 'pid=', '-o', 'ppid=', '-o', 'pgid=', '-o', 'stat=', '-o', 'lstart='], {
    encoding: 'utf8',
  });
  if (r.status !== 0 || !r.stdout) return [];
  /** @type {Proc[]} */
  const procs = [];
  for (const line of r.stdout.split('\n')) {
    const [pid, ppid, pgid, state, ...started] = line.trim().split(/\s+/);
    if (!pid || !state || state.startsWith('Z')) continue;
    procs.push({ pid: Number(pid), ppid: Number(ppid), pgid: Number(pgid), started: started.join(' ') });
  }
  return procs;
}

/**
 * The live processes among: `rootPids` and their descendants, the members of `pgids` and their
 * descendants, and the `known` processes (pid + start time, so a reused pid is never mistaken
 * for one of ours). Never includes the calling process.
 * @param {{ rootPids?: number[], pgids?: number[], known?: Map<number, string> }} what
 * @returns {Map<number, string>} pid -> start time
 */
function collect({ rootPids = [], pgids = [], known = new Map() }) {
  const procs = listProcesses();
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const children = new Map();
  for (const p of procs) {
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid).push(p.pid);
  }
  const queue = [
    ...rootPids.filter((pid) => byPid.has(pid)),
    ...procs.filter((p) => pgids.includes(p.pgid)).map((p) => p.pid),
    ...[...known].filter(([pid, started]) => byPid.get(pid)?.started === started).map(([pid]) => pid),
  ];
  /** @type {Map<number, string>} */
  const found = new Map();
  while (queue.length > 0) {
    const pid = /** @type {number} */ (queue.pop());
    if (found.has(pid) || pid === process.pid) continue;
    found.set(pid, /** @type {Proc} */ (byPid.get(pid)).started);
    for (const child of children.get(pid) ?? []) queue.push(child);
  }
  return found;
}

function signal(target, sig) {
  try {
    process.kill(target, sig);
  } catch {
    // Already gone (ESRCH) or not ours to signal (EPERM): nothing more to do for this one.
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Remembers every process that ever was a descendant of `rootPid` or a member of its group,
 * by polling. When a parent dies its children are re-parented to init and can no longer be
 * found by ancestry (a setsid() child of the extension host, for example), so the tree is
 * recorded while it is still whole.
 */
class TreeTracker {
  /** @param {{ rootPid: number, pgid?: number, intervalMs?: number }} opts */
  constructor({ rootPid, pgid = rootPid, intervalMs = 1000 }) {
    this.rootPid = rootPid;
    this.pgid = pgid;
    /** @type {Map<number, string>} */
    this.known = new Map();
    this.refresh();
    this.timer = setInterval(() => this.refresh(), intervalMs);
    this.timer.unref();
  }

  refresh() {
    for (const [pid, started] of collect({ rootPids: [this.rootPid], pgids: [this.pgid] })) this.known.set(pid, started);
  }

  /** Stops polling (when the tree ended by itself). */
  stop() {
    clearInterval(this.timer);
  }

  /** Everything of the tree that is alive now. */
  alive() {
    return collect({ rootPids: [this.rootPid], pgids: [this.pgid], known: this.known });
  }

  /**
   * SIGTERM to the group and to every process of the tree, then SIGKILL to whatever is still
   * alive after `graceMs`. Resolves to the pids still alive at the end (empty: all ended).
   */
  async kill(graceMs = 3000) {
    clearInterval(this.timer);
    this.refresh();
    let alive = this.alive();
    if (alive.size === 0) return [];
    signal(-this.pgid, 'SIGTERM');
    for (const pid of alive.keys()) signal(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline) {
      await sleep(100);
      // Keep following the tree: something may fork while shutting down.
      this.refresh();
      alive = this.alive();
      for (const [pid, started] of alive) this.known.set(pid, started);
      if (alive.size === 0) return [];
    }
    signal(-this.pgid, 'SIGKILL');
    for (const pid of this.alive().keys()) signal(pid, 'SIGKILL');
    await sleep(200);
    return [...this.alive().keys()];
  }

  /** Synchronous last resort for process 'exit' handlers, where nothing async runs any more. */
  killSync() {
    clearInterval(this.timer);
    signal(-this.pgid, 'SIGKILL');
    for (const pid of this.alive().keys()) signal(pid, 'SIGKILL');
  }
}

/** Ends a process tree that was not tracked while it ran (see TreeTracker for why that matters). */
function killTree({ rootPid, pgid = rootPid, graceMs = 3000 }) {
  return new TreeTracker({ rootPid, pgid }).kill(graceMs);
}

function killTreeSync({ rootPid, pgid = rootPid }) {
  new TreeTracker({ rootPid, pgid }).killSync();
}

module.exports = { listProcesses, collect, TreeTracker, killTree, killTreeSync };
