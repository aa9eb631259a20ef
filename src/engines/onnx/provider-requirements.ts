/**
 * What each onnxruntime-node execution provider needs at run time (onnxruntime 1.30, CUDA 12 build).
 * The provider libraries come from `mlcheck setup onnx-cuda` (a pinned package: cuda-setup.ts);
 * the CUDA, cuDNN and TensorRT libraries come from the node's CUDA installation.
 */
import type { SharedLibrary } from '../dynamic-loader.js';
import { ONNX_PROVIDERS, type OnnxProvider } from '../types.js';

export interface ProviderRequirement {
  /** Files `mlcheck setup onnx-cuda` puts into onnxruntime-node's bin folder. */
  providerFiles: readonly string[];
  libraries: readonly SharedLibrary[];
  /** The execution providers passed to InferenceSession, best first; ORT places unsupported nodes on the next. */
  sessionProviders: readonly string[];
}

/** A provider and every one after it in preference order: where ORT places the nodes the first cannot run. */
function fallbackChain(provider: OnnxProvider): readonly OnnxProvider[] {
  return ONNX_PROVIDERS.slice(ONNX_PROVIDERS.indexOf(provider));
}

const CUDA_LIBRARIES: readonly SharedLibrary[] = [
  { file: 'libcudart.so.12', provides: 'the CUDA 12 runtime' },
  { file: 'libcublas.so.12', provides: 'cuBLAS (CUDA 12)' },
  { file: 'libcublasLt.so.12', provides: 'cuBLASLt (CUDA 12)' },
  { file: 'libcufft.so.11', provides: 'cuFFT (CUDA 12)' },
  { file: 'libcudnn.so.9', provides: 'cuDNN 9' },
];

export const PROVIDER_REQUIREMENTS: Readonly<Record<OnnxProvider, ProviderRequirement>> = {
  tensorrt: {
    providerFiles: ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_tensorrt.so'],
    libraries: [...CUDA_LIBRARIES, { file: 'libnvinfer.so.10', provides: 'TensorRT 10' }, { file: 'libnvinfer_plugin.so.10', provides: 'TensorRT 10 plugins' }],
    sessionProviders: fallbackChain('tensorrt'),
  },
  cuda: {
    providerFiles: ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'],
    libraries: CUDA_LIBRARIES,
    sessionProviders: fallbackChain('cuda'),
  },
  cpu: { providerFiles: [], libraries: [], sessionProviders: fallbackChain('cpu') },
};

/** Platforms for which onnxruntime-node has GPU provider packages (references/onnx-cuda-packages.yaml). */
export const GPU_PROVIDER_PLATFORMS: readonly string[] = ['linux/x64'];
