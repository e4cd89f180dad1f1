// What the editor needs from a running mpscope run. The runner (src/runner) provides the real
// thing; ./runner-backend.ts adapts it to this small interface, so the terminal, the status bar
// and the annotations do not depend on the runner's internals.
import type { RunRequest } from '../../runner/view/run-request';

/** One process of the run as the Processes view's run node shows it. */
export interface RunProcessInfo {
  pid: number;
  ppid?: number;
  /** multiprocessing name (`Process-1`), or the program for the main process. */
  name: string;
  startSite?: { file: string; line: number };
  alive: boolean;
  exitCode?: number | null;
  signal?: string | null;
  helper: boolean;
  /** Blocked in a live deadlock. */
  deadlocked: boolean;
}

export interface RunStacks {
  pid: number;
  /** Readable text, one block per thread, innermost user frame marked. */
  text: string;
  /** The innermost frame in the user's code, to reveal. */
  userFrame?: { file: string; line: number };
}

export interface RunHandle {
  /** The interpreter actually used, for the terminal's first line. */
  readonly interpreter: string;
  /** Output of the run's processes; `who` is the writer's name when the runner knows it. */
  onOutput(listener: (data: string, stream: 'stdout' | 'stderr', who?: string) => void): void;
  /** The report so far (raw JSON in the report contract), each time something changes. */
  onUpdate(listener: (report: unknown) => void): void;
  /** The run ended: every process is gone. `report` is the final report (raw JSON). */
  onExit(listener: (report: unknown) => void): void;
  writeStdin(text: string): void;
  closeStdin(): void;
  /** Ctrl-C: SIGINT to the run's processes, as a terminal would. */
  interrupt(): void;
  /** Ends every process of the run (children first, TERM then KILL); resolves when all are gone. */
  stop(): Promise<void>;
  dumpStacks(pid: number): Promise<RunStacks>;
  processes(): RunProcessInfo[];
  /**
   * Only for a program mpscope did not start (followed from a terminal, src/ui/terminal): stop
   * following it and end its report, leaving its processes alone. A new run calls this instead
   * of stop(), so that starting a run never kills the user's own terminal program.
   */
  detach?(): void;
}

export interface RunBackend {
  /** Starts a run; rejects with a one-line message for launch failures. */
  start(request: RunRequest & { python: string }): Promise<RunHandle>;
}
