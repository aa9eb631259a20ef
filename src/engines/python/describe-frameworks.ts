import type { PythonEnvironmentSpec, PythonFramework } from './backends.js';
import { prepareEnvironment } from './environment.js';
import type { FrameworkFacts } from './facts.js';
import { DESCRIBE_SCRIPT } from './kits.js';
import { PYTHON_FLAGS } from './python-launch.js';
import { runProcess } from './run-process.js';
import { assertTrustedKits } from './trusted-kits.js';
import { describeError } from '../../util/errors.js';

export type FrameworkImport =
  | { status: 'importable'; facts: FrameworkFacts }
  | { status: 'missing'; message: string }
  | { status: 'broken'; message: string };

export interface EnvironmentDescription {
  /** Null when the environment could not be made (a module that did not load, no interpreter). */
  interpreter: string | null;
  python: string | null;
  loadedModules: string[];
  frameworks: Partial<Record<PythonFramework, FrameworkImport>>;
  /** Why the environment or the interpreter failed, or null. */
  error: string | null;
}

/** Loads the modules, then imports each framework in that Python (kits/python/describe.py). */
export async function describeEnvironment(spec: PythonEnvironmentSpec, frameworks: readonly PythonFramework[], baseEnv: NodeJS.ProcessEnv = process.env): Promise<EnvironmentDescription> {
  let environment;
  try {
    environment = await prepareEnvironment(spec, baseEnv);
    assertTrustedKits();
  } catch (error) {
    return { interpreter: null, python: null, loadedModules: [], frameworks: {}, error: describeError(error) };
  }
  const base = { interpreter: environment.interpreter, loadedModules: environment.loadedModules };
  if (frameworks.length === 0) return { ...base, python: null, frameworks: {}, error: null };
  const result = await runProcess(environment.interpreter, [...PYTHON_FLAGS, DESCRIBE_SCRIPT, ...frameworks], { env: { ...environment.env, PYTHONDONTWRITEBYTECODE: '1' }, timeoutMs: 300_000 });
  const line = result.stdout.toString('utf8').trim().split('\n').at(-1) ?? '';
  try {
    const parsed = JSON.parse(line) as { python: string; frameworks: EnvironmentDescription['frameworks'] };
    return { ...base, python: parsed.python, frameworks: parsed.frameworks, error: null };
  } catch {
    const how = result.signal ? `was killed by ${result.signal}` : result.timedOut ? 'did not answer in 300 s' : `exited with code ${result.exitCode}`;
    const said = result.stderr.trim().split('\n').slice(-5).join('\n    ');
    return { ...base, python: null, frameworks: {}, error: `${environment.interpreter} ${how} while importing ${frameworks.join(', ')}${said ? `:\n    ${said}` : ''}` };
  }
}
