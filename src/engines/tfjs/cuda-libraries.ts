import { dlopenCheck, missingLibraries, type LibraryLoadCheck, type MissingLibrary, type SharedLibrary } from '../dynamic-loader.js';

/**
 * The shared libraries libtensorflow 2.9 (the one @tensorflow/tfjs-node-gpu 4.x downloads)
 * opens at run time for the GPU. TensorFlow 2.9 registers no GPU, and silently runs on the CPU,
 * when any of them fails to load: tensorflow/stream_executor/platform/default/dlopen_checker.cc
 * (TryDlopenCUDALibraries: cudart, cublas, cublasLt, cufft, curand, cusolver, cusparse, cudnn)
 * and dso_loader.cc (GetDsoHandle(name, version) -> lib<name>.so.<version>; the driver is
 * "cuda", "1"). The versions are those of its CUDA 11.2 / cuDNN 8.1 build (TF_CUDART_VERSION
 * 11.0, TF_CUBLAS_VERSION 11, cuFFT 10, cuRAND 10, cuSOLVER 11, cuSPARSE 11, cuDNN 8), as
 * TensorFlow 2.5-2.10 log them ("Successfully opened dynamic library libcusolver.so.11", e.g.
 * tensorflow/tensorflow#49167). cuBLASLt takes cuBLAS's version (GetCublasLtDsoHandle).
 */
export const TFJS_NODE_GPU_CUDA_LIBRARIES: readonly SharedLibrary[] = [
  { file: 'libcuda.so.1', provides: 'the NVIDIA driver' },
  { file: 'libcudart.so.11.0', provides: 'CUDA 11 runtime' },
  { file: 'libcublas.so.11', provides: 'cuBLAS (CUDA 11)' },
  { file: 'libcublasLt.so.11', provides: 'cuBLASLt (CUDA 11)' },
  { file: 'libcufft.so.10', provides: 'cuFFT (CUDA 11)' },
  { file: 'libcurand.so.10', provides: 'cuRAND (CUDA 11)' },
  { file: 'libcusolver.so.11', provides: 'cuSOLVER (CUDA 11)' },
  { file: 'libcusparse.so.11', provides: 'cuSPARSE (CUDA 11)' },
  { file: 'libcudnn.so.8', provides: 'cuDNN 8' },
];

/** The CUDA libraries the GPU build of libtensorflow needs that the loader cannot load. */
export function missingCudaLibraries(check: LibraryLoadCheck = dlopenCheck): MissingLibrary[] {
  return missingLibraries(TFJS_NODE_GPU_CUDA_LIBRARIES, check);
}
