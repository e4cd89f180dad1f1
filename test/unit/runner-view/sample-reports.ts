// Report JSON in the runner's contract (issue 4) with the deadlock details of issue 5, as the
// view models receive them. Two processes deadlocked on two locks, plus an unjoined child.
export const SCRIPT = '/work/app/deadlock.py';

export function deadlockReport(): unknown {
  return {
    version: 1,
    script: SCRIPT,
    exitCode: null,
    signal: 'SIGTERM',
    durationMs: 2400,
    processes: [
      { pid: 100, ppid: 1, name: 'MainProcess', role: 'main', startMs: 0, exitCode: null },
      {
        pid: 101,
        ppid: 100,
        name: 'Process-1',
        startSite: { file: SCRIPT, line: 20 },
        startMs: 50,
        exitCode: null,
        daemon: false,
        joined: false,
      },
      {
        pid: 102,
        ppid: 100,
        name: 'Process-2',
        startSite: { file: SCRIPT, line: 21 },
        startMs: 60,
        exitCode: null,
      },
      { pid: 103, ppid: 100, name: 'resource_tracker', role: 'helper', helper: true, startMs: 10 },
    ],
    findings: [
      {
        kind: 'deadlock',
        severity: 'error',
        message: 'Deadlock: Process-1 and Process-2 wait for each other',
        pids: [101, 102],
        locations: [
          { file: SCRIPT, line: 9, pid: 101, role: 'waits' },
          { file: SCRIPT, line: 14, pid: 102, role: 'waits' },
          { file: SCRIPT, line: 8, pid: 101, role: 'acquired' },
          { file: SCRIPT, line: 13, pid: 102, role: 'acquired' },
        ],
        cycle: [101, 102],
        waits: [
          {
            pid: 101,
            primitive: { id: 'L2', kind: 'Lock', label: 'Lock#2' },
            site: { file: SCRIPT, line: 9 },
            sinceMs: 400,
            holders: [{ pid: 102, site: { file: SCRIPT, line: 13 } }],
          },
          {
            pid: 102,
            primitive: { id: 'L1', kind: 'Lock', label: 'Lock#1' },
            site: { file: SCRIPT, line: 14 },
            sinceMs: 410,
            holders: [{ pid: 101, site: { file: SCRIPT, line: 8 } }],
          },
        ],
        stacks: {
          '101': [
            {
              thread: 'MainThread',
              frames: [
                { file: SCRIPT, line: 9, func: 'left', user: true },
                { file: '/usr/lib/python3.11/multiprocessing/synchronize.py', line: 95, func: '__enter__' },
              ],
            },
          ],
          '102': [{ thread: 'MainThread', frames: [{ file: SCRIPT, line: 14, func: 'right', user: true }] }],
        },
      },
      {
        kind: 'unjoined',
        severity: 'warning',
        message: 'Process-1 was started and never joined',
        pids: [101],
        locations: [{ file: SCRIPT, line: 20, pid: 100, role: 'start' }],
      },
    ],
  };
}

/** A child that raised, started from another file. */
export function exceptionReport(): unknown {
  return {
    version: 1,
    script: SCRIPT,
    exitCode: 0,
    signal: null,
    durationMs: 300,
    processes: [
      { pid: 200, ppid: 1, name: 'MainProcess', startMs: 0, endMs: 300, exitCode: 0 },
      { pid: 201, ppid: 200, name: 'Process-1', startSite: { file: SCRIPT, line: 30 }, startMs: 20, endMs: 120, exitCode: 1 },
    ],
    findings: [
      {
        kind: 'child-exception',
        severity: 'error',
        message: 'Process-1 raised ValueError: bad input',
        pids: [201],
        locations: [
          { file: '/work/app/worker.py', line: 5, pid: 201, role: 'traceback' },
          { file: SCRIPT, line: 30, pid: 200, role: 'start' },
        ],
      },
    ],
  };
}
