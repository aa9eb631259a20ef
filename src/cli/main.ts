import { Command, CommanderError } from 'commander';
import { MlcheckError, describeError } from '../util/errors.js';
import { EXIT, type CliContext } from './context.js';
import { registerBench } from './commands/bench.js';
import { registerClassify } from './commands/classify.js';
import { registerCompare } from './commands/compare.js';
import { registerDatasets } from './commands/datasets.js';
import { registerProbe } from './commands/probe.js';
import { registerRun } from './commands/run.js';
import { registerSetup } from './commands/setup.js';
import { packageVersion } from '../util/package-info.js';

/** Runs one mlcheck command line and returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const context: CliContext = {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    isTTY: process.stdout.isTTY === true,
    setExitCode: (code) => {
      exitCode = code;
    },
  };

  const program = new Command('mlcheck')
    .description('Is this node fit to run ML jobs, and is it as fast as its peers?')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.configureHelp({ sortSubcommands: false });

  for (const register of [registerRun, registerProbe, registerDatasets, registerClassify, registerBench, registerCompare, registerSetup]) {
    register(program, context);
  }
  for (const command of program.commands) command.exitOverride();

  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    context.err(`mlcheck: ${describeError(error)}`);
    if (error instanceof MlcheckError && error.kind === 'usage') return EXIT.usage;
    return EXIT.undecided;
  }
}
