import { PYTHON_BACKENDS } from '../types.js';
import type { JupyterTarget } from './jupyter/target.js';

/**
 * The python engine's vocabulary, known statically so that a plan needs no interpreter: the
 * frameworks it runs, its backends (framework x device) and what a case tells it to use.
 */

export const PYTHON_FRAMEWORKS = ['pytorch', 'tensorflow'] as const;
export type PythonFramework = (typeof PYTHON_FRAMEWORKS)[number];

/** The device half of a backend: CUDA GPU 0, or the CPU. */
export type PythonDevice = 'cuda' | 'cpu';

/** framework-device, in the backend list with the other engines' (engines/types.ts). */
export { PYTHON_BACKENDS };
export type PythonBackendName = (typeof PYTHON_BACKENDS)[number];

/** Which workloads the kit runs: mlcheck's own kits, or the manual's example scripts installed with a framework module. */
export const PYTHON_KITS = ['mlcheck', 'installed'] as const;
export type PythonKit = (typeof PYTHON_KITS)[number];

/** Where the interpreter and its environment come from (--python, --modules, --module-path, --kit, --examples-dir). */
export interface PythonEnvironmentSpec {
  /** This interpreter as it is; absent: `python3` on PATH after the modules are loaded. */
  interpreter?: string;
  /** Loaded in this order with Environment Modules or Lmod, e.g. ["shared", "pytorch-py37-cuda10.2-gcc"]. */
  modules: readonly string[];
  /** Directories given to `module use` before loading (sites whose MODULEPATH lacks them). */
  modulePaths: readonly string[];
  kit: PythonKit;
  /** Extra roots searched for the manual's installed example scripts. */
  examplesDirs: readonly string[];
  /** Run the kits in this kernel of a Jupyter server instead of a local interpreter (--jupyter, --kernel). */
  jupyter?: JupyterTarget;
}

export interface PythonBackend {
  framework: PythonFramework;
  device: PythonDevice;
}

export function isPythonBackend(name: string): name is PythonBackendName {
  return (PYTHON_BACKENDS as readonly string[]).includes(name);
}

export function parsePythonBackend(name: PythonBackendName): PythonBackend {
  const [framework, device] = name.split('-') as [PythonFramework, PythonDevice];
  return { framework, device };
}

export function pythonBackendName(framework: PythonFramework, device: PythonDevice): PythonBackendName {
  return `${framework}-${device}`;
}

/**
 * The backends a plan runs for these frameworks: on a node where the probe sees an NVIDIA GPU,
 * only the CUDA ones, so a GPU node never passes by training on its CPU.
 */
export function pythonBackendsFor(frameworks: readonly PythonFramework[], gpuPresent: boolean): PythonBackendName[] {
  return frameworks.map((framework) => pythonBackendName(framework, gpuPresent ? 'cuda' : 'cpu'));
}

/** The Python module a framework is imported as (for messages and find_spec). */
export const FRAMEWORK_IMPORT: Readonly<Record<PythonFramework, string>> = {
  pytorch: 'torch',
  tensorflow: 'tensorflow',
};
