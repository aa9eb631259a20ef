import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Placeholder while the command is being built; replaced by its implementation.
export function registerClassify(program: Command, context: CliContext): void {
  program.command('classify').description('(not built yet)').action(() => {
    context.err('mlcheck classify: not built yet');
    context.setExitCode(3);
  });
}
