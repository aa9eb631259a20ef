/** What a command needs from the process; the CLI is the only layer that prints or exits. */
export interface CliContext {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is a terminal: colour and progress bars only then. */
  readonly isTTY: boolean;
  /** The exit code main() returns once the command finishes (docs/design.md §4). */
  setExitCode(code: number): void;
}

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  undecided: 3,
} as const;
