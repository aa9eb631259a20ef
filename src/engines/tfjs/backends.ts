import type * as tfc from '@tensorflow/tfjs-core';
import type { TfjsBackendName } from '../types.js';
import { describeMissing, type LibraryLoadCheck } from '../dynamic-loader.js';
import { missingCudaLibraries } from './cuda-libraries.js';
import { describeCpu, describeNvidiaGpus } from './device.js';
import { requireGpuDevice } from './gpu-device.js';
import { libtensorflowVersion, loadNativePackage, type NativeLoad, type NativePackage } from './native-package.js';
import { errorMessage, importOptional, installedVersion } from './optional-package.js';

export interface BackendCheck {
  available: boolean;
  reason: string | null;
}

export interface ActiveBackend {
  /** The tfjs-core backend name passed to tf.setBackend. */
  tfjsName: string;
  device: string;
  versions: Record<string, string>;
}

/** Finds and loads @tensorflow/tfjs-node(-gpu); replaced in tests, where tfjs-node-gpu cannot be installed. */
export interface NativePackageAccess {
  installedVersion(packageName: string): string | null;
  load(tf: typeof tfc, packageName: NativePackage, tfjsCoreVersion: string): Promise<NativeLoad>;
}

export interface BackendDependencies {
  /** Whether the dynamic loader can load a shared library by soname (replaced in tests). */
  checkLibrary?: LibraryLoadCheck;
  nativePackage?: NativePackageAccess;
  /** The names of the node's NVIDIA GPUs for the device label; null when unknown (default: nvidia-smi). */
  describeGpus?: () => string | null;
  /** Registers kernels the wasm backend lacks for training (Conv2DBackpropFilter). */
  registerWasmKernels?: () => void | Promise<void>;
}

const PACKAGE_OF: Record<TfjsBackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

/** Makes the backend usable (loads its package) or says exactly why it cannot be. */
export async function checkBackend(tf: typeof tfc, backend: TfjsBackendName, deps: BackendDependencies = {}): Promise<BackendCheck> {
  const native = deps.nativePackage ?? defaultNativePackage;
  switch (backend) {
    case 'tensorflow-gpu': {
      const packageName: NativePackage = '@tensorflow/tfjs-node-gpu';
      // libtensorflow otherwise reserves nearly all memory of every GPU it sees when it starts;
      // with growth it takes what the ops need (TensorFlow's GPU allocator reads this variable).
      process.env.TF_FORCE_GPU_ALLOW_GROWTH ??= 'true';
      if (native.installedVersion(packageName) !== null) {
        // Before loading: libtensorflow would load without them and quietly run on the CPU.
        const missing = missingCudaLibraries(deps.checkLibrary);
        if (missing.length > 0) {
          return {
            available: false,
            reason: `CUDA libraries not found: ${describeMissing(missing)}. ${packageName} (libtensorflow 2.9) needs an NVIDIA driver, CUDA 11.2 and cuDNN 8.1; install them and put their lib64 folders on LD_LIBRARY_PATH (e.g. module load cuda11.2 cudnn8.1)`,
          };
        }
      }
      return fromNative(await native.load(tf, packageName, tf.version_core));
    }
    case 'tensorflow':
      return fromNative(await native.load(tf, '@tensorflow/tfjs-node', tf.version_core));
    case 'wasm':
      if (typeof WebAssembly !== 'object') return { available: false, reason: 'this Node.js has no WebAssembly support' };
      return importBackendPackage(PACKAGE_OF.wasm, tf.version_core);
    case 'cpu':
      return importBackendPackage(PACKAGE_OF.cpu, tf.version_core);
  }
}

/** Switches tfjs-core to a backend that `checkBackend` found available. */
export async function activateBackend(tf: typeof tfc, backend: TfjsBackendName, threads: number | undefined, deps: BackendDependencies = {}): Promise<ActiveBackend> {
  const versions: Record<string, string> = { '@tensorflow/tfjs-core': tf.version_core };
  const packageVersion = (deps.nativePackage ?? defaultNativePackage).installedVersion(PACKAGE_OF[backend]);
  if (packageVersion !== null) versions[PACKAGE_OF[backend]] = packageVersion;
  const tfjsName = backend === 'tensorflow-gpu' ? 'tensorflow' : backend;
  const wasmThreads = backend === 'wasm' && threads !== undefined && threads > 1 ? threads : 1;
  let initError: unknown = null;
  let ok = false;
  try {
    const initialise = async (): Promise<boolean> => (await tf.setBackend(tfjsName)) && (await tf.ready(), true);
    if (backend === 'wasm') {
      // Imported here, not at the top: it loads tfjs-backend-wasm, which other backends do not need.
      const kernels = await import('./wasm-kernels/index.js');
      await (deps.registerWasmKernels ?? kernels.registerWasmTrainingKernels)();
      const enableThreads = (kernels as { enableWasmThreadsInNode?: (o: { threads: number }, init: () => Promise<boolean>) => Promise<boolean> }).enableWasmThreadsInNode;
      ok = wasmThreads > 1 && enableThreads !== undefined && tf.findBackend('wasm') === null ? await enableThreads({ threads: wasmThreads }, initialise) : await initialise();
    } else {
      ok = await initialise();
    }
  } catch (error) {
    initError = error;
  }
  if (!ok || tf.getBackend() !== tfjsName) {
    throw new Error(`the ${backend} backend failed to initialise${initError === null ? '' : `: ${errorMessage(initError)}`}`);
  }
  switch (backend) {
    case 'tensorflow-gpu': {
      // The GPU's name is given only once libtensorflow proves it runs on it; otherwise the case fails.
      requireGpuDevice(tf, deps.checkLibrary);
      // And computes on it: the first op's error or wrong answer is the GPU's, never a skip.
      firstGpuOp(tf);
      const tfVersion = libtensorflowVersion(tf);
      if (tfVersion) versions.libtensorflow = tfVersion;
      const names = (deps.describeGpus ?? describeNvidiaGpus)();
      return { tfjsName, versions, device: `${names ?? 'NVIDIA GPU (name unknown: nvidia-smi not available)'}, libtensorflow GPU device` };
    }
    case 'tensorflow': {
      const tfVersion = libtensorflowVersion(tf);
      if (tfVersion) versions.libtensorflow = tfVersion;
      return { tfjsName, versions, device: `${describeCpu()}, libtensorflow` };
    }
    case 'wasm': {
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      // tfjs-backend-wasm disables its threaded build under Node (tfjs issue #3830); the
      // wasm-kernels module works around it when more than one thread is asked for.
      const wasmModule = (await importOptional('@tensorflow/tfjs-backend-wasm')) as { getThreadsCount?: () => number };
      const running = wasmModule.getThreadsCount?.() ?? 1;
      const threadText = running > 1 ? `${running} threads` : '1 thread';
      return { tfjsName, versions, device: `${describeCpu()}, wasm ${simd === true ? 'SIMD' : 'without SIMD'}, ${threadText}` };
    }
    case 'cpu': {
      // The cpu backend prints a "install tfjs-node" banner on first use; library code must not
      // print, and detect() already gives that advice as the native backends' reasons.
      const cpuBackend = tf.backend() as { firstUse?: boolean };
      if (cpuBackend.firstUse === true) cpuBackend.firstUse = false;
      return { tfjsName, versions, device: `${describeCpu()}, pure JavaScript, 1 thread` };
    }
  }
}

/** 20 + 20 and 1 + 1 on the GPU device; throws (the case fails) when it errs or answers wrong. */
function firstGpuOp(tf: typeof tfc): void {
  let values: number[];
  try {
    const sum = tf.tidy(() => tf.add(tf.tensor1d([20, 1]), tf.tensor1d([20, 1])));
    try {
      values = Array.from(sum.dataSync());
    } finally {
      sum.dispose();
    }
  } catch (error) {
    throw new Error(`libtensorflow's GPU device failed its first op (20 + 20, 1 + 1): ${errorMessage(error)}`, { cause: error });
  }
  if (values[0] !== 40 || values[1] !== 2) throw new Error(`libtensorflow's GPU device answered its first op (20 + 20, 1 + 1) with ${values.join(', ')} instead of 40, 2`);
}

const defaultNativePackage: NativePackageAccess = { installedVersion, load: loadNativePackage };

function fromNative(load: { ok: boolean; reason: string | null }): BackendCheck {
  return { available: load.ok, reason: load.ok ? null : load.reason };
}

async function importBackendPackage(packageName: string, tfjsCoreVersion: string): Promise<BackendCheck> {
  const version = installedVersion(packageName);
  if (version === null) {
    return { available: false, reason: `${packageName} is not installed. Install it with: npm install ${packageName}@${tfjsCoreVersion}` };
  }
  if (version !== tfjsCoreVersion) {
    return { available: false, reason: `${packageName} ${version} does not match @tensorflow/tfjs-core ${tfjsCoreVersion}. Fix: npm install ${packageName}@${tfjsCoreVersion}` };
  }
  try {
    await importOptional(packageName);
    return { available: true, reason: null };
  } catch (error) {
    return { available: false, reason: `${packageName} failed to load: ${errorMessage(error).split('\n')[0]}` };
  }
}
