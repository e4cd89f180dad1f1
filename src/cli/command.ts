/** One `mpscope <name>` subcommand. Each lives in its own file under `commands/`. */
export interface CliCommand {
  name: string;
  /** One line for `mpscope --help`. */
  summary: string;
  /** Full usage text for `mpscope <name> --help`. */
  usage: string;
  /** Runs the command and resolves to the process exit status. Throws UsageError for bad input. */
  run(argv: string[], io: CliIO): Promise<number>;
}

/** Streams the command writes to; tests pass their own. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
}
