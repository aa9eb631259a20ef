import { describeError } from '../../util/errors.js';
import { FRAMEWORK_IMPORT, PYTHON_FRAMEWORKS, type PythonEnvironmentSpec, type PythonFramework } from './backends.js';
import { prepareEnvironment } from './environment.js';
import { PYTHON_FLAGS } from './python-launch.js';
import { runProcess } from './run-process.js';

/** Asks an interpreter which of the named modules it could import, without importing them (find_spec: milliseconds, not torch's seconds). */
const FIND_SPEC = 'import importlib.util, json, sys\nprint(json.dumps([n for n in sys.argv[1:] if importlib.util.find_spec(n) is not None]))';

export interface InstalledFrameworks {
  interpreter: string | null;
  /** The frameworks the interpreter finds, in PYTHON_FRAMEWORKS order. */
  frameworks: PythonFramework[];
  /** Why nothing could be asked (a module that did not load, no interpreter), or null. */
  reason: string | null;
}

/** Which frameworks the environment's interpreter has installed (found, not yet imported). */
export async function installedFrameworks(spec: PythonEnvironmentSpec, baseEnv: NodeJS.ProcessEnv): Promise<InstalledFrameworks> {
  let environment;
  try {
    environment = await prepareEnvironment(spec, baseEnv);
  } catch (error) {
    return { interpreter: null, frameworks: [], reason: describeError(error) };
  }
  const imports = PYTHON_FRAMEWORKS.map((framework) => FRAMEWORK_IMPORT[framework]);
  const result = await runProcess(environment.interpreter, [...PYTHON_FLAGS, '-c', FIND_SPEC, ...imports], { env: environment.env, timeoutMs: 60_000 });
  if (result.exitCode !== 0) {
    return { interpreter: environment.interpreter, frameworks: [], reason: `${environment.interpreter} could not be asked for its frameworks: ${result.spawnError ?? result.stderr.trim().split('\n').slice(-3).join(' ') ?? `exit ${result.exitCode}`}` };
  }
  let found: string[];
  try {
    found = JSON.parse(result.stdout.toString('utf8').trim().split('\n').at(-1) ?? '[]') as string[];
  } catch {
    return { interpreter: environment.interpreter, frameworks: [], reason: `${environment.interpreter} printed no list of frameworks` };
  }
  return { interpreter: environment.interpreter, frameworks: PYTHON_FRAMEWORKS.filter((framework) => found.includes(FRAMEWORK_IMPORT[framework])), reason: null };
}
