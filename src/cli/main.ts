import { Command, CommanderError } from 'commander';
import { MlcheckError, describeError } from '../util/errors.js';
import { EXIT, type CliContext } from './context.js';
import { packageVersion } from '../util/package-info.js';
import { redactProxyCredentials } from '../util/proxy-redact.js';
import { withholdSecrets } from '../util/withheld-secrets.js';
import { sanitizeText } from '../util/sanitize-text.js';

type Register = (program: Command, context: CliContext) => void;

/**
 * Commands in help order, each loaded only when needed: `run` and `bench` pull in the runner and
 * reports, and a health check calling `mlcheck probe` should not pay for them at start-up.
 */
const COMMANDS: ReadonlyArray<readonly [string, () => Promise<Register>]> = [
  ['run', async () => (await import('./commands/run.js')).registerRun],
  ['probe', async () => (await import('./commands/probe.js')).registerProbe],
  ['datasets', async () => (await import('./commands/datasets.js')).registerDatasets],
  ['classify', async () => (await import('./commands/classify.js')).registerClassify],
  ['bench', async () => (await import('./commands/bench.js')).registerBench],
  ['compare', async () => (await import('./commands/compare.js')).registerCompare],
  ['setup', async () => (await import('./commands/setup.js')).registerSetup],
  ['slurm', async () => (await import('./commands/slurm.js')).registerSlurm],
  ['frameworks', async () => (await import('./commands/frameworks.js')).registerFrameworks],
  ['jupyter', async () => (await import('./commands/jupyter.js')).registerJupyter],
];

/**
 * undici's EnvHttpProxyAgent (the downloads' proxy support) warns at first use that its API is
 * experimental: a note for programmers that tells an operator nothing, and mlcheck pins undici's
 * major version. Every other warning still prints.
 */
function dropUndiciProxyNotice(): void {
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((...args: unknown[]) => {
    const options = args[1];
    if (typeof options === 'object' && options !== null && (options as { code?: unknown }).code === 'UNDICI-EHPA') return;
    emitWarning(...args);
  }) as typeof process.emitWarning;
}

/** Runs one mlcheck command line and returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  // JUPYTER_TOKEN leaves process.env before anything starts a child process: none inherits it.
  withholdSecrets(process.env);
  dropUndiciProxyNotice();
  // A closed pipe (`mlcheck probe --json | head`) is the reader's choice, not an error of ours.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  // The last pass over everything mlcheck prints: whatever another node, process or file put into
  // it, only mlcheck's own colours reach the terminal as escape codes, and no proxy password of the
  // environment goes out (an HTTP library's error may quote the proxy URL) (docs/security.md).
  const line = (text: string): string => {
    const safe = redactProxyCredentials(sanitizeText(text, { keepColours: true }));
    return safe.endsWith('\n') ? safe : `${safe}\n`;
  };
  const context: CliContext = {
    out: (text) => process.stdout.write(line(text)),
    err: (text) => process.stderr.write(line(text)),
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

  const named = COMMANDS.find(([name]) => name === argv[2]);
  for (const [, load] of named ? [named] : COMMANDS) (await load())(program, context);
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
