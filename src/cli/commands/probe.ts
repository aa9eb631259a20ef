import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Placeholder while the command is being built; replaced by its implementation.
export function registerProbe(program: Command, context: CliContext): void {
  program.command('probe').description('(not built yet)').action(() => {
    context.err('mlcheck probe: not built yet');
    context.setExitCode(3);
  });
}
