/**
 * What the installed engines need of the NVIDIA driver, for the probe's gpu-driver-compat
 * verdict. The CLI hands this list to probeNode: the probe must not import the engines.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { EngineCudaNeed } from '../probe/index.js';
import { ortPackageDir } from './onnx/ort-loader.js';
import { PROVIDER_REQUIREMENTS } from './onnx/provider-requirements.js';
import { installedVersion } from './tfjs/optional-package.js';

/** libtensorflow 2.9, which @tensorflow/tfjs-node-gpu 4.x downloads, is a CUDA 11.2 / cuDNN 8.1 build (see tfjs/cuda-libraries.ts). */
export const TFJS_NODE_GPU_CUDA_VERSION = '11.2';
/** onnxruntime-node 1.30's CUDA and TensorRT providers are CUDA 12 builds (libcudart.so.12, onnx/provider-requirements.ts). */
export const ONNX_CUDA_PROVIDER_CUDA_VERSION = '12.0';

/** The engines installed here that run on CUDA, each with the CUDA version its build needs. */
export function installedEngineCudaNeeds(): EngineCudaNeed[] {
  const needs: EngineCudaNeed[] = [];
  const tfjsGpu = installedVersion('@tensorflow/tfjs-node-gpu');
  if (tfjsGpu !== null) needs.push({ engine: `@tensorflow/tfjs-node-gpu ${tfjsGpu}`, cudaVersion: TFJS_NODE_GPU_CUDA_VERSION });
  const onnx = installedOnnxCudaProvider();
  if (onnx !== null) needs.push({ engine: `onnxruntime-node ${onnx} CUDA execution provider`, cudaVersion: ONNX_CUDA_PROVIDER_CUDA_VERSION });
  return needs;
}

/** onnxruntime-node's version when its CUDA provider library is installed (mlcheck setup onnx-cuda), else null. */
function installedOnnxCudaProvider(): string | null {
  const version = installedVersion('onnxruntime-node');
  if (version === null) return null;
  let binDir: string;
  try {
    binDir = path.join(ortPackageDir(), 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
  return PROVIDER_REQUIREMENTS.cuda.providerFiles.every((file) => existsSync(path.join(binDir, file))) ? version : null;
}
