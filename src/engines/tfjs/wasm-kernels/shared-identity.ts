import { Cast, Identity } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WASM_BACKEND, type TaggedKernelConfig } from './wasm-backend.js';

/**
 * The stock wasm Identity, and Cast to the same dtype, copy the whole tensor; gradients and the
 * optimizer call them on every weight and activation of every step. Tensors are immutable, so
 * the result shares the input's memory (one more reference), as the cpu backend does.
 */
function sharing(x: TensorInfo, wasm: BackendWasm): TensorInfo {
  wasm.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export function identityConfigOver(stock: KernelConfig): TaggedKernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const x = args.inputs.x as TensorInfo;
    return x.dtype === 'string' ? stock.kernelFunc(args) : sharing(x, args.backend as BackendWasm);
  };
  return { ...stock, kernelName: Identity, backendName: WASM_BACKEND, kernelFunc };
}

export function castConfigOver(stock: KernelConfig): TaggedKernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const x = args.inputs.x as TensorInfo;
    return x.dtype !== 'string' && args.attrs?.dtype === x.dtype ? sharing(x, args.backend as BackendWasm) : stock.kernelFunc(args);
  };
  return { ...stock, kernelName: Cast, backendName: WASM_BACKEND, kernelFunc };
}
