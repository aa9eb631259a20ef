import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Placeholder while the command is being built; replaced by its implementation.
export function registerSetup(program: Command, context: CliContext): void {
  program.command('setup').description('(not built yet)').action(() => {
    context.err('mlcheck setup: not built yet');
    context.setExitCode(3);
  });
}
