import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Placeholder while the command is being built; replaced by its implementation.
export function registerDatasets(program: Command, context: CliContext): void {
  program.command('datasets').description('(not built yet)').action(() => {
    context.err('mlcheck datasets: not built yet');
    context.setExitCode(3);
  });
}
