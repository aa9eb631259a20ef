import type { PythonFramework } from './backends.js';
import type { FrameworkFacts } from './facts.js';
import { moduleCudaVersion } from './module-names.js';

/** What the driver says, from the probe (cuDriverGetVersion), for explaining a framework without CUDA. */
export interface DriverView {
  /** The highest CUDA version the driver supports, e.g. "12.4"; null when unknown. */
  cudaVersion: string | null;
  /** Why the probe could not reach the driver, or null. */
  error: string | null;
}

const AVAILABILITY_CALL: Readonly<Record<PythonFramework, string>> = {
  pytorch: 'torch.cuda.is_available() is False',
  tensorflow: "tf.config.list_physical_devices('GPU') is empty",
};

/**
 * Null when the framework can run on the GPU it was asked for; otherwise why not, naming the
 * cause: a CPU-only build (inside a -cuda module), a build for a newer CUDA than the driver
 * supports, cuDNN missing, or the framework's own CUDA initialisation error. A GPU case with
 * any of these fails: a GPU node never passes by running on its CPU.
 */
export function gpuUnusableReason(facts: FrameworkFacts, modules: readonly string[], driver: DriverView | null): string | null {
  const usable = facts.cuda.available && facts.cuda.deviceCount > 0;
  const name = facts.framework === 'pytorch' ? `PyTorch ${facts.version}` : `TensorFlow ${facts.version}`;
  const where = `(${facts.location}, Python ${facts.python} at ${facts.executable})`;
  const cudaModule = modules.find((module) => moduleCudaVersion(module) !== null);
  if (facts.build.cuda === null) {
    const inModule = cudaModule !== undefined ? ` although module ${cudaModule} is a CUDA ${moduleCudaVersion(cudaModule)} build` : '';
    return [
      `${AVAILABILITY_CALL[facts.framework]}: ${name} ${where} is a CPU-only build${inModule}.`,
      cudaModule !== undefined
        ? `Fix: the module's PYTHONPATH does not reach its CUDA build (another ${facts.framework} comes first on sys.path, or the module installs a CPU build): check \`module show ${cudaModule}\` and ${facts.location}`
        : `Fix: load the framework's CUDA module with --modules, or install a CUDA build of ${facts.framework}`,
    ].join(' ');
  }
  const driverCuda = driver?.cudaVersion ?? null;
  if (!usable && driverCuda !== null && compareVersions(facts.build.cuda, driverCuda) > 0) {
    return `${AVAILABILITY_CALL[facts.framework]}: ${name} ${where} is built for CUDA ${facts.build.cuda}, but the NVIDIA driver supports CUDA ${driverCuda} at most (cuDriverGetVersion). Fix: update the driver to one for CUDA ${facts.build.cuda} or newer, or load a module built for CUDA ${driverCuda} or older`;
  }
  if (usable && facts.cudnnAvailable === false) {
    return `${name} ${where} sees the GPU, but cuDNN is missing (${facts.framework === 'pytorch' ? 'torch.backends.cudnn.is_available() is False' : 'no cuDNN library loaded'}): convolutions cannot run on the GPU. Fix: load the cuDNN module the framework module needs, or install cuDNN ${facts.build.cudnn ?? ''}`.trim();
  }
  if (!usable) {
    const why = facts.cuda.initError ?? driver?.error ?? 'no reason given';
    const driverLine = driverCuda !== null ? ` The driver supports CUDA ${driverCuda}.` : '';
    return `${AVAILABILITY_CALL[facts.framework]}: ${name} ${where}, a CUDA ${facts.build.cuda} build, cannot use a GPU: ${why}.${driverLine} Fix: check the driver with \`mlcheck probe\` and that the job was given a GPU`;
  }
  return null;
}

/** Compares dotted versions numerically ("10.2" < "11.0" < "11.10"); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const pb = b.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
