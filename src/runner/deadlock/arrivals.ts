// What the detector must know about the run's set of processes besides the agents' state files:
//
// - Processes that are alive but whose agent has not connected yet (a Pool's replacement worker
//   starting up: hundreds of ms, seconds on a loaded machine). Nothing is known about them, so
//   they may be about to wake anybody: while one exists, nothing is deadlocked. Bounded, since
//   some never connect: a process that is not Python (its command), a Python whose options keep
//   the agent out (-I, -S, -E), one whose environment lacks the run's token or the agent's
//   bootstrap folder (read by the supervisor: a subprocess given an environment of its own),
//   one whose agent failed, and any that has not connected after CONNECT_GRACE_MS (a C fork
//   without the hooks, an environment changed after the supervisor looked).
// - When the set last changed (a process appeared, connected or ended): the "blocked for the
//   hang timeout" clock starts no earlier, so a newcomer gets the whole timeout to connect and
//   work, and the last process that could wake the waiters had the whole timeout to be replaced.
import * as path from 'path';
import type { ProcessRecord, RunModel } from '../model';

/** How long a live process may take to connect; after that it counts as one that never will. */
export const CONNECT_GRACE_MS = 10_000;

/** multiprocessing's and os.fork's children of a process with the agent: they load it too. */
const AGENT_START_KINDS = new Set(['process', 'pool-worker', 'executor-worker', 'fork']);

/** A live process of the run whose agent has not said hello yet, and may still (see above). */
export function stillStarting(model: RunModel, p: ProcessRecord, now: number): boolean {
  if (p.python || p.agentFailed || p.role === 'helper' || p.startTime === null) return false;
  if (model.exitTime(p) !== null) return false;
  if (now - p.startTime > CONNECT_GRACE_MS) return false;
  return mayLoadAgent(p);
}

/**
 * Whether a process that has not connected can be expected to: not when its environment
 * cannot load the agent; multiprocessing starts its children with the run's interpreter and
 * environment; any other must run Python (its command name, or its argv[0]) without the
 * options that disable site or the environment.
 */
export function mayLoadAgent(p: Pick<ProcessRecord, 'startKind' | 'comm' | 'argv' | 'agentEnv'>): boolean {
  if (p.agentEnv === false || agentDisabledByOptions(p.argv)) return false;
  if (p.startKind !== null && AGENT_START_KINDS.has(p.startKind)) return true;
  return looksLikePython(p.comm) || looksLikePython(p.argv[0] ? path.basename(p.argv[0]) : null);
}

const looksLikePython = (name: string | null): boolean => !!name && /^(python|pypy)/i.test(name);

/**
 * The interpreter options of a Python command line (argv[1] up to the script, -c or -m) include
 * -I, -S or -E: no sitecustomize from PYTHONPATH, so no agent. -W and -X take a value (the rest
 * of their argument, or the next one).
 */
export function agentDisabledByOptions(argv: readonly string[]): boolean {
  if (!looksLikePython(argv[0] ? path.basename(argv[0]) : null)) return false;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-') || arg === '-' || arg.startsWith('--')) return false;
    for (let j = 1; j < arg.length; j++) {
      const ch = arg[j];
      if (ch === 'I' || ch === 'S' || ch === 'E') return true;
      if (ch === 'c' || ch === 'm') return false; // the rest is the program
      if (ch === 'W' || ch === 'X') {
        if (j === arg.length - 1) i++; // "-W error": the value is the next argument
        break;
      }
    }
  }
  return false;
}

/**
 * When the run's set of processes last changed: the latest start, connection or end of any of
 * its processes (epoch ms), or null before the first.
 */
export function processSetChangedAt(model: RunModel): number | null {
  let last: number | null = null;
  const see = (t: number | null) => {
    if (t !== null && (last === null || t > last)) last = t;
  };
  for (const p of model.all()) {
    see(p.startTime);
    see(p.connectedAt);
    see(model.exitTime(p));
  }
  return last;
}
