import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Placeholder while the command is being built; replaced by its implementation.
export function registerRun(program: Command, context: CliContext): void {
  program.command('run').description('(not built yet)').action(() => {
    context.err('mlcheck run: not built yet');
    context.setExitCode(3);
  });
}
