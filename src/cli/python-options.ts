import { existsSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { isPythonBackend, PYTHON_KITS, type PythonEnvironmentSpec, type PythonFramework, type PythonKit } from '../engines/python/backends.js';
import { checkJupyterServer } from '../engines/jupyter/check-server.js';
import { parseServerUrl } from '../engines/jupyter/server-url.js';
import type { JupyterTarget } from '../engines/jupyter/target.js';
import { readJupyterToken } from '../engines/jupyter/token.js';
import { DEFAULT_PYTHON_SPEC } from '../engines/python/environment.js';
import { installedFrameworks } from '../engines/python/installed-frameworks.js';
import { frameworksOfModules, parseModuleList } from '../engines/python/module-names.js';
import { DEFAULT_ENGINE_IDS, ENGINE_BACKENDS, type EngineId } from '../engines/types.js';
import { describeError, UsageError } from '../util/errors.js';
import { checkTrustedPath } from '../util/trusted-path.js';
import { withholdSecretValue } from '../util/withheld-secrets.js';
import type { CliContext } from './context.js';
import { parsePositiveNumber } from './option-parsers.js';

/** The python engine's flags, shared by `run` and `bench`. */
export interface PythonFlags {
  python?: string;
  modules?: string[];
  modulePath?: string[];
  kit?: PythonKit;
  examplesDir?: string[];
  jupyter?: string;
  kernel?: string;
  jupyterTokenFile?: string;
  kernelTimeout?: number;
}

/** Module names, each checked before anything runs: a name with shell metacharacters is bad usage (exit 2). */
export function parseModulesOption(value: string, previous: string[] = []): string[] {
  try {
    return [...previous, ...parseModuleList(value)];
  } catch (error) {
    throw new InvalidArgumentError(describeError(error).split('\n').join('; '));
  }
}

/**
 * --module-path, checked as it is parsed (exit 2): modulefiles are code that runs as whoever loads
 * them, so root loads them only from a folder that it and every folder above it are root's (or the
 * invoking user's) and nobody else can write.
 */
export function parseModulePathOption(value: string, previous: string[] = []): string[] {
  const dir = path.resolve(value);
  const trust = checkTrustedPath(dir);
  if (!trust.trusted) throw new InvalidArgumentError(`refusing ${dir}: ${trust.problem} (modulefiles run as whoever loads them). Fix: ${trust.fix}`);
  return [...previous, dir];
}

function collectDirectory(value: string, previous: string[] = []): string[] {
  return [...previous, path.resolve(value)];
}

/** The python options by their attribute names, as commander reports where each value came from. */
export const PYTHON_OPTIONS = ['python', 'modules', 'modulePath', 'kit', 'examplesDir', 'jupyter', 'kernel', 'jupyterTokenFile', 'kernelTimeout'] as const;

export function addPythonOptions(command: Command): Command {
  return command
    .option('--modules <names>', 'python engine: environment modules to load first, in order (Environment Modules or Lmod), e.g. "shared pytorch-py37-cuda10.2-gcc" (repeatable)', parseModulesOption)
    .option('--module-path <dir>', 'python engine: a modulefile directory to `module use` before loading (repeatable; only root, or you, may be able to write it)', parseModulePathOption)
    .option('--python <path>', 'python engine: this interpreter as it is (default: python3 on PATH after the modules)')
    .addOption(new Option('--kit <kit>', "python engine: mlcheck's own kits, or the manual's example scripts installed with the framework module").choices(PYTHON_KITS).default('mlcheck'))
    .option('--examples-dir <dir>', 'python engine, --kit installed: another folder to search for the example scripts (repeatable)', collectDirectory)
    .option('--jupyter <url>', "python engine: run the kits in a kernel this Jupyter server starts (with --kernel); the token comes from JUPYTER_TOKEN or --jupyter-token-file, never from the command line")
    .option('--kernel <name>', 'python engine, --jupyter: the kernelspec the server starts, e.g. python3')
    .option('--jupyter-token-file <file>', "python engine, --jupyter: a file holding the server's token (instead of JUPYTER_TOKEN)")
    .option('--kernel-timeout <seconds>', `python engine, --jupyter: time the kernel gets to start (default: ${DEFAULT_KERNEL_TIMEOUT_SECONDS}; a kernel submitted to Slurm waits in its queue)`, parsePositiveNumber);
}

/** A kernel started as a Slurm job may wait in the queue; a local one answers in a second or two. */
export const DEFAULT_KERNEL_TIMEOUT_SECONDS = 120;

export interface PythonSelection {
  engines: EngineId[];
  python?: PythonEnvironmentSpec;
  pythonFrameworks?: PythonFramework[];
}

/**
 * Chooses whether the python engine runs and with what. It runs when named (--engine python), when
 * a python flag is given, or a python backend is asked for; its flags alone select it only. Without
 * a python --backend, it runs each framework the modules name, else each the interpreter has.
 */
export async function selectPython(flags: PythonFlags, engines: EngineId[], backends: readonly string[], context: CliContext): Promise<PythonSelection> {
  const localFlagGiven = flags.python !== undefined || (flags.modules?.length ?? 0) > 0 || (flags.modulePath?.length ?? 0) > 0 || flags.kit === 'installed' || (flags.examplesDir?.length ?? 0) > 0;
  const jupyterFlagGiven = flags.jupyter !== undefined || flags.kernel !== undefined || flags.jupyterTokenFile !== undefined || flags.kernelTimeout !== undefined;
  const pythonFlagGiven = localFlagGiven || jupyterFlagGiven;
  const pythonBackend = backends.some(isPythonBackend);
  let selected = engines;
  if (engines.length === 0 && (pythonFlagGiven || pythonBackend)) selected = pythonBackend && !pythonFlagGiven ? ['python', ...backendsEngines(backends)] : ['python'];
  if (!selected.includes('python')) {
    if (pythonFlagGiven) throw new UsageError('--modules, --module-path, --python, --kit, --examples-dir, --jupyter and --kernel are python engine options', { fix: 'add --engine python' });
    return { engines: selected };
  }
  if (jupyterFlagGiven) return { engines: selected, python: { ...DEFAULT_PYTHON_SPEC, jupyter: await jupyterTarget(flags, localFlagGiven, context) }, ...(pythonBackend ? {} : { pythonFrameworks: ['pytorch'] }) };
  if (flags.python !== undefined && flags.python.includes('/') && !existsSync(flags.python)) {
    throw new UsageError(`--python ${flags.python}: no such file`, { file: path.resolve(flags.python), fix: 'pass the path of a python3 executable' });
  }
  const spec: PythonEnvironmentSpec = {
    ...(flags.python !== undefined && { interpreter: flags.python.includes('/') ? path.resolve(flags.python) : flags.python }),
    modules: flags.modules ?? [],
    modulePaths: flags.modulePath ?? [],
    kit: flags.kit ?? 'mlcheck',
    examplesDirs: flags.examplesDir ?? [],
  };
  if (pythonBackend) return { engines: selected, python: spec };
  const named = frameworksOfModules(spec.modules);
  if (named.length > 0) return { engines: selected, python: spec, pythonFrameworks: named };
  const found = await installedFrameworks(spec, process.env);
  if (found.reason !== null) context.err(`mlcheck: python engine: ${found.reason.split('\n')[0]}`);
  return { engines: selected, python: spec, pythonFrameworks: found.frameworks.length > 0 ? found.frameworks : ['pytorch'] };
}

/** `--backend pytorch-cpu --backend wasm` without --engine: python and the engines the other backends belong to. */
function backendsEngines(backends: readonly string[]): EngineId[] {
  return DEFAULT_ENGINE_IDS.filter((engine) => backends.some((backend) => ENGINE_BACKENDS[engine].includes(backend)));
}

/**
 * --jupyter and --kernel, checked before anything runs: the URL (no token in it; a warning for
 * plain http to another machine), the token (JUPYTER_TOKEN or --jupyter-token-file), and the
 * server itself: it answers, accepts the token and has the kernel. Any failure is exit 2.
 */
async function jupyterTarget(flags: PythonFlags, localFlagGiven: boolean, context: CliContext): Promise<JupyterTarget> {
  if (flags.jupyter === undefined || flags.kernel === undefined) throw new UsageError('--jupyter and --kernel go together: the server, and the kernel it starts', { fix: 'e.g. --jupyter http://127.0.0.1:8888/ --kernel python3' });
  if (localFlagGiven) throw new UsageError("--jupyter runs the kits in the kernel's own environment: --python, --modules, --module-path, --kit installed and --examples-dir do not apply to it", { fix: 'load modules in the kernelspec (its argv or env), or drop --jupyter to run them locally' });
  if (!/^[A-Za-z0-9._-]+$/.test(flags.kernel)) throw new UsageError(`--kernel "${flags.kernel}" is not a kernel name`, { expected: 'letters, digits, ., _ and - (as `jupyter kernelspec list` prints)', found: flags.kernel });
  const { url, warning } = parseServerUrl(flags.jupyter);
  if (warning !== null) context.err(`mlcheck: warning: ${warning}`);
  const tokenFile = flags.jupyterTokenFile === undefined ? undefined : path.resolve(flags.jupyterTokenFile);
  const token = readJupyterToken({ tokenFile, env: process.env });
  if (token.warning !== null) context.err(`mlcheck: warning: ${token.warning}`);
  // A token from a file may also sit in another variable (JUPYTERHUB_API_TOKEN, an export): out of every child's environment too.
  withholdSecretValue(token.token);
  await checkJupyterServer({ url, token: token.token, tokenSource: token.source, kernel: flags.kernel });
  return { url, kernel: flags.kernel, ...(tokenFile !== undefined && { tokenFile }), startTimeoutSeconds: flags.kernelTimeout ?? DEFAULT_KERNEL_TIMEOUT_SECONDS };
}
