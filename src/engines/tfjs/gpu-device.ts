import type * as tfc from '@tensorflow/tfjs-core';
import { describeMissing, type LibraryLoadCheck } from '../dynamic-loader.js';
import { missingCudaLibraries, TFJS_NODE_GPU_CUDA_LIBRARIES } from './cuda-libraries.js';

/**
 * What tfjs-node(-gpu)'s NodeJSKernelBackend says about its device (tfjs-node/src/nodejs_kernel_backend.ts,
 * 4.22): `isUsingGpuDevice` is read once from the addon, which sets it when libtensorflow's eager
 * context lists a device of type "GPU" (tfjs_backend.cc); otherwise every op runs on the host CPU.
 */
interface NodeKernelBackend {
  isGPUPackage?: unknown;
  isUsingGpuDevice?: unknown;
}

/** True when the active tfjs backend is libtensorflow running on a GPU device. */
export function backendUsesGpu(tf: typeof tfc): boolean {
  return (tf.backend() as NodeKernelBackend).isUsingGpuDevice === true;
}

/**
 * After tfjs-node-gpu's backend started: it must run on a GPU. A GPU build that loaded and then
 * fell back to the CPU is a broken GPU node, so this throws a plain Error (the case fails), not a
 * RequirementError (which would skip it).
 */
export function requireGpuDevice(tf: typeof tfc, checkLibrary?: LibraryLoadCheck, env: NodeJS.ProcessEnv = process.env): void {
  const backend = tf.backend() as NodeKernelBackend;
  if (backend.isUsingGpuDevice === true) return;
  throw new Error(`TensorFlow fell back to the CPU: ${explainCpuFallback(backend, checkLibrary, env)}`);
}

function explainCpuFallback(backend: NodeKernelBackend, checkLibrary: LibraryLoadCheck | undefined, env: NodeJS.ProcessEnv): string {
  if (backend.isUsingGpuDevice === undefined) {
    return "the 'tensorflow' backend does not say which device it uses (isUsingGpuDevice is missing): it is not @tensorflow/tfjs-node-gpu's NodeJSKernelBackend";
  }
  if (backend.isGPUPackage === false) {
    return "the 'tensorflow' backend was registered by @tensorflow/tfjs-node (the CPU build), not @tensorflow/tfjs-node-gpu";
  }
  // Checked again now: a library can be found by name before loading and still fail inside libtensorflow.
  const missing = missingCudaLibraries(checkLibrary);
  if (missing.length > 0) return `libtensorflow could not load ${describeMissing(missing)}`;
  const visible = env.CUDA_VISIBLE_DEVICES;
  if (visible !== undefined && /^\s*(-1|NoDevFiles)?\s*$/.test(visible)) {
    return `CUDA_VISIBLE_DEVICES="${visible}" hides every GPU from this process`;
  }
  return (
    `libtensorflow found all ${TFJS_NODE_GPU_CUDA_LIBRARIES.length} CUDA libraries but registered no GPU device. ` +
    'Its log lines on stderr name the cause: cuInit failed (driver), no GPU visible, a GPU below compute capability 3.5, or a driver older than CUDA 11.2 needs'
  );
}
