import { existsSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { isPythonBackend, PYTHON_KITS, type PythonEnvironmentSpec, type PythonFramework, type PythonKit } from '../engines/python/backends.js';
import { installedFrameworks } from '../engines/python/installed-frameworks.js';
import { frameworksOfModules, parseModuleList } from '../engines/python/module-names.js';
import { DEFAULT_ENGINE_IDS, ENGINE_BACKENDS, type EngineId } from '../engines/types.js';
import { describeError, UsageError } from '../util/errors.js';
import type { CliContext } from './context.js';

/** The python engine's flags, shared by `run` and `bench`. */
export interface PythonFlags {
  python?: string;
  modules?: string[];
  modulePath?: string[];
  kit?: PythonKit;
  examplesDir?: string[];
}

/** Module names, each checked before anything runs: a name with shell metacharacters is bad usage (exit 2). */
export function parseModulesOption(value: string, previous: string[] = []): string[] {
  try {
    return [...previous, ...parseModuleList(value)];
  } catch (error) {
    throw new InvalidArgumentError(describeError(error).split('\n').join('; '));
  }
}

function collectDirectory(value: string, previous: string[] = []): string[] {
  return [...previous, path.resolve(value)];
}

/** The python options by their attribute names, as commander reports where each value came from. */
export const PYTHON_OPTIONS = ['python', 'modules', 'modulePath', 'kit', 'examplesDir'] as const;

export function addPythonOptions(command: Command): Command {
  return command
    .option('--modules <names>', 'python engine: environment modules to load first, in order (Environment Modules or Lmod), e.g. "shared pytorch-py37-cuda10.2-gcc" (repeatable)', parseModulesOption)
    .option('--module-path <dir>', 'python engine: a modulefile directory to `module use` before loading (repeatable)', collectDirectory)
    .option('--python <path>', 'python engine: this interpreter as it is (default: python3 on PATH after the modules)')
    .addOption(new Option('--kit <kit>', "python engine: mlcheck's own kits, or the manual's example scripts installed with the framework module").choices(PYTHON_KITS).default('mlcheck'))
    .option('--examples-dir <dir>', 'python engine, --kit installed: another folder to search for the example scripts (repeatable)', collectDirectory);
}

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
  const pythonFlagGiven = flags.python !== undefined || (flags.modules?.length ?? 0) > 0 || (flags.modulePath?.length ?? 0) > 0 || flags.kit === 'installed' || (flags.examplesDir?.length ?? 0) > 0;
  const pythonBackend = backends.some(isPythonBackend);
  let selected = engines;
  if (engines.length === 0 && (pythonFlagGiven || pythonBackend)) selected = pythonBackend && !pythonFlagGiven ? ['python', ...backendsEngines(backends)] : ['python'];
  if (!selected.includes('python')) {
    if (pythonFlagGiven) throw new UsageError('--modules, --module-path, --python, --kit and --examples-dir are python engine options', { fix: 'add --engine python' });
    return { engines: selected };
  }
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
