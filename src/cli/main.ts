// The `mpscope` command-line tool: the same core as the extension, for terminals and CI.
import { COMMANDS } from './commands';
import type { CliIO } from './command';
import { EXIT_OK, EXIT_USAGE, UsageError } from './usage';
import { version } from '../../package.json';

function topLevelHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 4);
  const lines = [
    'mpscope: debug Python multiprocessing programs',
    '',
    'Usage: mpscope <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -h, --help     show this help (or `mpscope <command> --help`)',
    '  -V, --version  print the version',
    '',
    'Exit status: 0 no findings, 1 findings of warning or error, 2 usage error.',
  ];
  return lines.join('\n') + '\n';
}

/** Runs the CLI and resolves to its exit status. Exported for tests. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    io.stdout.write(topLevelHelp());
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === '-V' || first === '--version') {
    io.stdout.write(`${version}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === first);
  try {
    if (!command) {
      throw new UsageError(
        first.startsWith('-')
          ? `unknown option '${first}' (see mpscope --help)`
          : `unknown command '${first}' (see mpscope --help)`,
      );
    }
    if (rest.length > 0 && (rest[0] === '-h' || rest[0] === '--help')) {
      io.stdout.write(command.usage.endsWith('\n') ? command.usage : command.usage + '\n');
      return EXIT_OK;
    }
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`mpscope: ${err.message}\n`);
      return EXIT_USAGE;
    }
    // Anything else is our bug: one line, not a stack trace, unless debugging.
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`mpscope: internal error: ${message}\n`);
    if (io.env.MPSCOPE_DEBUG) io.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    return EXIT_USAGE;
  }
}

/**
 * A reader that goes away early (`mpscope ps | head -1`) makes our next write to that stream fail
 * with EPIPE, emitted as an 'error' event that would crash the CLI with a stack trace. That is
 * not a failure of the command: the stream is destroyed, later writes to it are dropped, and the
 * command carries on (a run still stops its processes and writes its --report/--sarif files) and
 * exits with its own status. Any other write error stays fatal, as before.
 */
function dropOutputOnClosedReader(stream: NodeJS.WritableStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

if (require.main === module) {
  dropOutputOnClosedReader(process.stdout);
  dropOutputOnClosedReader(process.stderr);
  main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = EXIT_USAGE;
    },
  );
}
