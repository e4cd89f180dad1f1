import type { CliCommand } from '../command';
import { lintCommand } from './lint';
import { psCommand } from './ps';
import { runCommand } from './run';

/**
 * Every subcommand of `mpscope`, in the order `--help` lists them.
 * Each issue adds its command here (ps, run, lint).
 */
export const COMMANDS: CliCommand[] = [psCommand, runCommand, lintCommand];
