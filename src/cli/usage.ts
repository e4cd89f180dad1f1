/** A usage error: the CLI prints its message on one line and exits with status 2. */
export class UsageError extends Error {}

/** Exit statuses shared by every subcommand (the CLI contract other tools depend on). */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
