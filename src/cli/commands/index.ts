import type { CliCommand } from '../command';
import { psCommand } from './ps';

/**
 * Every subcommand of `mpscope`, in the order `--help` lists them.
 * Each issue adds its command here (ps, run, lint).
 */
export const COMMANDS: CliCommand[] = [psCommand];
