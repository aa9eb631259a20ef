import { RequirementError } from '../../util/errors.js';
import type { PythonEnvironmentSpec } from './backends.js';
import { resolveInterpreter } from './interpreter.js';
import { loadModules } from './module-environment.js';
import type { PythonEnvironment } from './session.js';

/** No modules, `python3` on PATH, mlcheck's kits. */
export const DEFAULT_PYTHON_SPEC: PythonEnvironmentSpec = { modules: [], modulePaths: [], kit: 'mlcheck', examplesDirs: [] };

/**
 * Loads the modules and finds the interpreter. A module that does not load fails the case,
 * naming it (a plain Error); an interpreter that is not there, or module folders mlcheck refuses
 * to load from, skip it (RequirementError).
 */
export async function prepareEnvironment(spec: PythonEnvironmentSpec, baseEnv: NodeJS.ProcessEnv = process.env, signal?: AbortSignal): Promise<PythonEnvironment> {
  const load = await loadModules({ modules: spec.modules, modulePaths: spec.modulePaths, env: baseEnv, ...(signal && { signal }) });
  // A refused module folder or init script is no fault of the node: the case is skipped, saying why.
  if (!load.ok) throw load.refused ? new RequirementError(load.reason) : new Error(load.reason);
  const interpreter = resolveInterpreter(spec.interpreter, load.env, spec.modules);
  return { interpreter, env: load.env, baseEnv, loadedModules: load.loaded, spec };
}
