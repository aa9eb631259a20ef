import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Placeholder while the command is being built; replaced by its implementation.
export function registerCompare(program: Command, context: CliContext): void {
  program.command('compare').description('(not built yet)').action(() => {
    context.err('mlcheck compare: not built yet');
    context.setExitCode(3);
  });
}
