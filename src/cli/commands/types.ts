/** One `prunecam` sub-command: its own file under src/cli/commands, listed in index.ts. */
export interface Command {
  summary: string;
  usage: string;
  /** Returns the process exit code. Throws for errors (printed by main without a stack). */
  run(argv: string[]): Promise<number>;
}
