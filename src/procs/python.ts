// Is this a Python interpreter? Decided from the name of argv[0] (a `#!/usr/bin/python3` script
// has the interpreter as argv[0]) or from the kernel's name for it (all a zombie has left).

/** python, python3, python3.12, python3.13t, pythonw.exe, pypy3, python3.11-dbg... */
const PYTHON_NAME = /^(python|pythonw|pypy)(\d+(\.\d+)*)?[a-z]{0,2}(-dbg|-debug)?(\.exe)?$/i;

/** The last path component, for both / and \ separators. */
export function baseName(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut >= 0 ? path.slice(cut + 1) : path;
}

export function isPythonName(name: string | undefined): boolean {
  return !!name && PYTHON_NAME.test(baseName(name));
}

/**
 * mpscope's own supervisor waiting for the editor's next run (src/runner/warmSupervisor.ts:
 * `python -S -E -s .../mpscope_supervisor.py --warm`). It is machinery, not one of the user's
 * processes: the Python view leaves it out until it runs a run (it then has the script as a child
 * and the run's launch record). The file name is matched here rather than imported from the
 * runner: the process model knows nothing of how runs are launched.
 */
export function isIdleWarmSupervisor(argv: readonly string[] | undefined, childCount: number): boolean {
  if (!argv || childCount > 0 || argv[argv.length - 1] !== '--warm') return false;
  return argv.some((a) => baseName(a) === 'mpscope_supervisor.py');
}

export function isPythonProcess(r: { name: string; argv?: string[]; command: string }): boolean {
  const argv0 = r.argv && r.argv.length > 0 ? r.argv[0] : r.command.split(/\s+/)[0];
  return isPythonName(argv0) || isPythonName(r.name);
}

/**
 * What a Python command line runs, for display: the script (`app.py`), `-m module`, or `-c`.
 * Options before it (`-u`, `-X dev`, `-W error`) are skipped.
 */
export function pythonTarget(argv: string[]): string | undefined {
  const withValue = new Set(['-W', '-X', '-Q', '--check-hash-based-pycs']);
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-m' || a === '-c') return i + 1 < argv.length ? (a === '-m' ? `-m ${argv[i + 1]}` : '-c') : a;
    if (a.startsWith('-m') && a.length > 2) return `-m ${a.slice(2)}`;
    if (a.startsWith('-c') && a.length > 2) return '-c';
    if (withValue.has(a)) {
      i++;
      continue;
    }
    if (a === '-' || !a.startsWith('-')) return a === '-' ? '-' : baseName(a);
  }
  return undefined;
}
