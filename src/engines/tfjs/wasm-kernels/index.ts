import { BatchMatMul, Cast, getKernel, Identity, registerKernel, Sum, unregisterKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { batchMatMulConfigOver } from './batch-mat-mul.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { castConfigOver, identityConfigOver } from './shared-identity.js';
import { sumConfigOver } from './sum-leading-axes.js';
import { MLCHECK_KERNEL_TAG, WASM_BACKEND, type TaggedKernelConfig } from './wasm-backend.js';

export { enableWasmThreadsInNode, type WasmThreadsOptions } from './node-threads.js';

/**
 * Makes the tfjs wasm backend able to train convolutional networks, and fast at it:
 * adds the missing Conv2DBackpropFilter, and replaces Conv2DBackpropInput, MaxPoolGrad, the
 * transposed cases of BatchMatMul and leading-axes Sum, whose stock versions are scalar loops or
 * go through a slow transpose, with faster paths; Identity and same-dtype Cast share memory
 * instead of copying. Idempotent; call it before training on
 * wasm (before or after the backend is initialised). Needs `@tensorflow/tfjs-backend-wasm`
 * to be imported first, since it wraps that package's kernels.
 */
export function registerWasmTrainingKernels(): void {
  const stockMatMul = getKernel(BatchMatMul, WASM_BACKEND);
  if (stockMatMul == null) {
    throw new Error(
      'tfjs wasm backend: its kernels are not registered; import @tensorflow/tfjs-backend-wasm before registering the training kernels.',
    );
  }
  install(conv2DBackpropFilterConfig);
  install(conv2DBackpropInputConfig);
  install(maxPoolGradConfig);
  if (!isOurs(stockMatMul)) install(batchMatMulConfigOver(stockMatMul));
  const stockSum = getKernel(Sum, WASM_BACKEND);
  if (stockSum != null && !isOurs(stockSum)) install(sumConfigOver(stockSum));
  const stockIdentity = getKernel(Identity, WASM_BACKEND);
  if (stockIdentity != null && !isOurs(stockIdentity)) install(identityConfigOver(stockIdentity));
  const stockCast = getKernel(Cast, WASM_BACKEND);
  if (stockCast != null && !isOurs(stockCast)) install(castConfigOver(stockCast));
}

function install(config: TaggedKernelConfig): void {
  const current = getKernel(config.kernelName, WASM_BACKEND);
  if (current != null && isOurs(current)) return;
  if (current != null) unregisterKernel(config.kernelName, WASM_BACKEND);
  registerKernel({ ...config, [MLCHECK_KERNEL_TAG]: true } as KernelConfig);
}

function isOurs(config: KernelConfig): boolean {
  return (config as TaggedKernelConfig)[MLCHECK_KERNEL_TAG] === true;
}
