import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../util/errors.js';
import type { ResolveContext } from '../engine-options.js';
import { isPythonBackend } from './backends.js';
import { jupyterOptionGiven, type PythonFlags } from './cli-options.js';
import { DEFAULT_PYTHON_SPEC } from './environment.js';
import { installedFrameworks } from './installed-frameworks.js';
import { jupyterTargetFromFlags } from './jupyter/target-from-flags.js';
import { frameworksOfModules } from './module-names.js';
import type { PythonOptions } from './options.js';

/**
 * The python engine's options from its flags, once the engine runs: in a Jupyter kernel
 * (--jupyter), or in a local interpreter after the modules. Without a python --backend, the plan
 * runs each framework the modules name, else each the interpreter has (default pytorch).
 */
export async function resolvePythonOptions(flags: PythonFlags, context: ResolveContext): Promise<PythonOptions> {
  const pythonBackend = context.backends.some(isPythonBackend);
  if (jupyterOptionGiven(flags)) return { ...DEFAULT_PYTHON_SPEC, jupyter: await jupyterTargetFromFlags(flags, context), ...(pythonBackend ? {} : { frameworks: ['pytorch'] }) };
  if (flags.python !== undefined && flags.python.includes('/') && !existsSync(flags.python)) {
    throw new UsageError(`--python ${flags.python}: no such file`, { file: path.resolve(flags.python), fix: 'pass the path of a python3 executable' });
  }
  const spec: PythonOptions = {
    ...(flags.python !== undefined && { interpreter: flags.python.includes('/') ? path.resolve(flags.python) : flags.python }),
    modules: flags.modules ?? [],
    modulePaths: flags.modulePath ?? [],
    kit: flags.kit ?? 'mlcheck',
    examplesDirs: flags.examplesDir ?? [],
  };
  if (pythonBackend) return spec;
  const named = frameworksOfModules(spec.modules);
  if (named.length > 0) return { ...spec, frameworks: named };
  const found = await installedFrameworks(spec, context.env);
  if (found.reason !== null) context.note(`python engine: ${found.reason.split('\n')[0]}`);
  return { ...spec, frameworks: found.frameworks.length > 0 ? found.frameworks : ['pytorch'] };
}
