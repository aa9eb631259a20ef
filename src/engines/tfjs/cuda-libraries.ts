/**
 * The shared libraries libtensorflow 2.9 (the one @tensorflow/tfjs-node-gpu 4.x downloads)
 * opens at run time for the GPU: the driver, CUDA 11.2 runtime and maths libraries, cuDNN 8.
 * libtensorflow loads them lazily and silently falls back to the CPU when one is missing,
 * so they are checked here, by the same dynamic-loader search it would use.
 */
export const TFJS_NODE_GPU_CUDA_LIBRARIES: readonly { file: string; provides: string }[] = [
  { file: 'libcuda.so.1', provides: 'the NVIDIA driver' },
  { file: 'libcudart.so.11.0', provides: 'CUDA 11 runtime' },
  { file: 'libcublas.so.11', provides: 'cuBLAS (CUDA 11)' },
  { file: 'libcudnn.so.8', provides: 'cuDNN 8' },
];

export interface LibraryLookup {
  /** True when the dynamic loader finds the library (by its soname, LD_LIBRARY_PATH and ld.so.cache). */
  (file: string): boolean;
}

/**
 * Node's process.dlopen runs dlopen(3) on the name; a library that exists but is no Node addon
 * fails afterwards with "did not self-register", which still proves the loader found it.
 */
export const dlopenLookup: LibraryLookup = (file) => {
  try {
    process.dlopen({ exports: {} } as NodeJS.Module, file);
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return !/cannot open shared object file|No such file/i.test(message);
  }
};

/** The CUDA libraries the GPU build of libtensorflow needs that the loader cannot find. */
export function missingCudaLibraries(lookup: LibraryLookup = dlopenLookup): { file: string; provides: string }[] {
  return TFJS_NODE_GPU_CUDA_LIBRARIES.filter((library) => !lookup(library.file));
}
