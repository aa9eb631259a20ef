import { UsageError } from '../../util/errors.js';
import { PYTHON_FRAMEWORKS, PYTHON_KITS, type PythonEnvironmentSpec, type PythonFramework } from './backends.js';
import { DEFAULT_PYTHON_SPEC } from './environment.js';
import type { JupyterTarget } from './jupyter/target.js';

/**
 * The python engine's options (EngineOptions): where the interpreter and its environment come
 * from, or the Jupyter kernel, and the frameworks a plan runs without --backend.
 */
export interface PythonOptions extends PythonEnvironmentSpec {
  /** One case each when no --backend is named (default pytorch). */
  frameworks?: readonly PythonFramework[];
}

/**
 * The python engine's options as the runner handed them over (run.json, IPC), checked: absent,
 * the defaults (python3 on PATH, no modules, mlcheck's kits). Anything else is not what mlcheck
 * planned (a run.json edited by hand), so it is refused, naming the key.
 */
export function readPythonOptions(value: unknown): PythonOptions {
  if (value === undefined) return DEFAULT_PYTHON_SPEC;
  const options = record(value, 'the value');
  const strings = (key: string): string[] => {
    const list = options[key];
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) throw invalid(key, 'a list of strings', list);
    return list as string[];
  };
  const kit = options.kit;
  if (!PYTHON_KITS.includes(kit as never)) throw invalid('kit', PYTHON_KITS.join(' | '), kit);
  if (options.interpreter !== undefined && typeof options.interpreter !== 'string') throw invalid('interpreter', 'a path or command name', options.interpreter);
  const frameworks = options.frameworks === undefined ? undefined : strings('frameworks');
  if (frameworks?.some((framework) => !PYTHON_FRAMEWORKS.includes(framework as never))) throw invalid('frameworks', PYTHON_FRAMEWORKS.join(', '), frameworks);
  return {
    ...(options.interpreter !== undefined && { interpreter: options.interpreter as string }),
    modules: strings('modules'),
    modulePaths: strings('modulePaths'),
    kit: kit as PythonOptions['kit'],
    examplesDirs: strings('examplesDirs'),
    ...(options.jupyter !== undefined && { jupyter: readJupyterTarget(options.jupyter) }),
    ...(frameworks !== undefined && { frameworks: frameworks as PythonFramework[] }),
  };
}

function readJupyterTarget(value: unknown): JupyterTarget {
  const target = record(value, 'jupyter');
  for (const key of ['url', 'kernel'] as const) if (typeof target[key] !== 'string') throw invalid(`jupyter.${key}`, 'text', target[key]);
  if (target.tokenFile !== undefined && typeof target.tokenFile !== 'string') throw invalid('jupyter.tokenFile', 'a path', target.tokenFile);
  if (typeof target.startTimeoutSeconds !== 'number' || !(target.startTimeoutSeconds > 0)) throw invalid('jupyter.startTimeoutSeconds', 'seconds, above 0', target.startTimeoutSeconds);
  return {
    url: target.url as string,
    kernel: target.kernel as string,
    ...(target.tokenFile !== undefined && { tokenFile: target.tokenFile as string }),
    startTimeoutSeconds: target.startTimeoutSeconds,
  };
}

function record(value: unknown, key: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(key, 'an object', value);
  return value as Record<string, unknown>;
}

function invalid(key: string, expected: string, found: unknown): UsageError {
  return new UsageError(`the python engine's options: ${key} is not valid`, { expected, found: JSON.stringify(found) ?? 'nothing', fix: 'start a new run (run.json of this run was changed, or written by another mlcheck)' });
}
