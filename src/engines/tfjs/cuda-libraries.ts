import os from 'node:os';

export interface CudaLibrary {
  /** The soname libtensorflow asks dlopen(3) for. */
  file: string;
  provides: string;
}

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
export const TFJS_NODE_GPU_CUDA_LIBRARIES: readonly CudaLibrary[] = [
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

/**
 * Why the dynamic loader cannot load a library (its dlerror text), or null when it can.
 * Searched by soname through LD_LIBRARY_PATH, RUNPATH and ld.so.cache, as libtensorflow does.
 */
export type LibraryLoadCheck = (file: string) => string | null;

/**
 * Loads the library as libtensorflow does (dlopen with RTLD_NOW | RTLD_LOCAL, so a missing
 * dependency or symbol fails here as it fails there). process.dlopen then rejects it as "did
 * not self-register" because it is no Node addon, which proves the loader found and linked it.
 */
export const dlopenCheck: LibraryLoadCheck = (file) => {
  const { RTLD_NOW, RTLD_LOCAL } = os.constants.dlopen as { RTLD_NOW?: number; RTLD_LOCAL?: number };
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, file, (RTLD_NOW ?? 2) | (RTLD_LOCAL ?? 0));
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return /did not self-register/i.test(message) ? null : message.split('\n')[0]!;
  }
};

export interface MissingLibrary extends CudaLibrary {
  /** The loader's message, e.g. "libcudnn.so.8: cannot open shared object file: No such file or directory". */
  problem: string;
}

/** The CUDA libraries the GPU build of libtensorflow needs that the loader cannot load. */
export function missingCudaLibraries(check: LibraryLoadCheck = dlopenCheck): MissingLibrary[] {
  const missing: MissingLibrary[] = [];
  for (const library of TFJS_NODE_GPU_CUDA_LIBRARIES) {
    const problem = check(library.file);
    if (problem !== null) missing.push({ ...library, problem });
  }
  return missing;
}

/** "libcudnn.so.8 (cuDNN 8): <loader message>", one entry per library, for a reason line. */
export function describeMissing(missing: readonly MissingLibrary[]): string {
  return missing.map((library) => `${library.file} (${library.provides})${library.problem.startsWith(`${library.file}:`) ? '' : `: ${library.problem}`}`).join(', ');
}
