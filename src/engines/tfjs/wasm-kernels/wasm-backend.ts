import { getKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export const WASM_BACKEND = 'wasm';

/** Marks the kernel configs this module registers, so registration stays idempotent across module copies. */
export const MLCHECK_KERNEL_TAG = 'mlcheckWasmTrainingKernel';

export type TaggedKernelConfig = KernelConfig & { [MLCHECK_KERNEL_TAG]?: true };

/**
 * Runs another wasm kernel directly (not through the engine), as the wasm backend's own kernels do:
 * the result is not tracked by the engine, so the caller must dispose it with `release`.
 */
export function runWasmKernel(
  kernelName: string,
  backend: BackendWasm,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap,
): TensorInfo {
  const config = getKernel(kernelName, WASM_BACKEND);
  if (config == null) {
    throw new Error(`tfjs wasm backend: kernel '${kernelName}' is not registered; the wasm training kernels need it.`);
  }
  const result = config.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(result)) {
    throw new Error(`tfjs wasm backend: kernel '${kernelName}' returned several outputs where one was expected.`);
  }
  return result;
}

export function release(backend: BackendWasm, ...tensors: TensorInfo[]): void {
  for (const tensor of tensors) backend.disposeData(tensor.dataId);
}

/** A Float32Array view on a tensor's wasm heap memory; take it only after the last allocation of the kernel. */
export function heapFloat32(backend: BackendWasm, tensor: TensorInfo): Float32Array {
  if (tensor.dtype !== 'float32') {
    throw new Error(`tfjs wasm backend: expected a float32 tensor, found ${tensor.dtype}.`);
  }
  return backend.typedArrayFromHeap(tensor) as Float32Array;
}
