// What "Attach Python Debugger" asks the Python Debugger extension (ms-python.debugpy) to do,
// and when it must refuse instead. No `vscode` import, so it is unit-tested in plain Node.
//
// debugpy attaches to a running interpreter by pid (it injects itself with gdb/lldb on
// Linux/macOS, or a helper on Windows). The debug configuration is the one the Python Debugger
// extension documents for "attach using Process Id".

/** The part of a process row the action needs. */
export interface AttachTarget {
  pid: number;
  /** The multiprocessing name (`Process-1`, `SpawnPoolWorker-2`) for processes of an mpscope run. */
  mpName?: string;
  /** Whether the process is a Python interpreter (from its command line or kernel name). */
  isPython?: boolean;
  /** Whether the process is a zombie (exited, not reaped: nothing left to debug). */
  isZombie?: boolean;
  /** Whether the process has exited (a greyed row of a finished run). */
  exited?: boolean;
}

/** The `debugpy` attach configuration, as passed to vscode.debug.startDebugging. */
export interface DebugpyAttachConfig {
  type: 'debugpy';
  request: 'attach';
  name: string;
  processId: number;
  /** Step into library code too: multiprocessing hangs often sit in stdlib frames. */
  justMyCode: false;
  [key: string]: unknown;
}

/** The debug session's name: the multiprocessing name when mpscope knows it. */
export function sessionName(target: AttachTarget): string {
  const name = target.mpName?.trim();
  return name ? name : `Python ${target.pid}`;
}

export function buildAttachConfig(target: AttachTarget): DebugpyAttachConfig {
  return {
    type: 'debugpy',
    request: 'attach',
    name: sessionName(target),
    processId: target.pid,
    justMyCode: false,
  };
}

/**
 * Why attaching to this process cannot work, as one line for the user; undefined when it can be
 * tried. These are facts mpscope knows; anything else is left to debugpy to report.
 */
export function attachRefusal(target: AttachTarget, ownPid: number = process.pid): string | undefined {
  if (!Number.isInteger(target.pid) || target.pid <= 0) return `"${target.pid}" is not a process id`;
  if (target.pid === ownPid) return `process ${target.pid} is VS Code's own extension host`;
  if (target.isZombie) return `process ${target.pid} is a zombie: it has exited and has no code left to debug`;
  if (target.exited) return `process ${target.pid} has exited`;
  if (target.isPython === false) return `process ${target.pid} is not a Python interpreter, so debugpy cannot attach to it`;
  return undefined;
}

/**
 * Linux's Yama ptrace policy decides whether debugpy's injector may attach to a process that is
 * not its own descendant. Given the contents of /proc/sys/kernel/yama/ptrace_scope (or undefined
 * when the file is absent), a hint to show when attaching fails, or undefined when no rule
 * stands in the way.
 */
export function ptraceHint(scopeText: string | undefined, isRoot: boolean): string | undefined {
  const scope = Number.parseInt((scopeText ?? '').trim(), 10);
  if (!Number.isFinite(scope) || scope === 0) return undefined;
  if (scope === 3) return 'this machine forbids attaching debuggers to running processes (kernel.yama.ptrace_scope = 3)';
  if (scope === 2 && !isRoot) return 'attaching to a running process needs root here (kernel.yama.ptrace_scope = 2)';
  if (scope === 1 && !isRoot) {
    return (
      'kernel.yama.ptrace_scope = 1 lets a debugger attach only to its own child processes; ' +
      'if attaching fails, run `sudo sysctl kernel.yama.ptrace_scope=0` (until reboot)'
    );
  }
  return undefined;
}
