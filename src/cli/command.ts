// The shape of one CLI command. Each command lives in its own file: parsing apart from doing.

/** Exit codes every command uses. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
/** Partial failure (some files of a batch failed) or bad usage. */
export const EXIT_PARTIAL = 2;
/** Quit by Ctrl-C before finishing (128 + SIGINT, as shells report it). */
export const EXIT_INTERRUPTED = 130;

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Aborted on Ctrl-C: long work stops cleanly and saves what it has. */
  signal: AbortSignal;
}

/** What a command module exports; its name and summary live in the command table (commands.ts). */
export interface Command {
  /** Full --help text. */
  usage: string;
  /**
   * Printed on the first Ctrl-C by a command that stops cleanly on `signal` (a second Ctrl-C quits at once);
   * a command without it quits at the first Ctrl-C.
   */
  interrupt?: string;
  run(argv: string[], io: CliIO): Promise<number>;
}

/** Bad command-line usage: printed with the usage hint, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
