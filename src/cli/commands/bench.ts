import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Placeholder while the command is being built; replaced by its implementation.
export function registerBench(program: Command, context: CliContext): void {
  program.command('bench').description('(not built yet)').action(() => {
    context.err('mlcheck bench: not built yet');
    context.setExitCode(3);
  });
}
