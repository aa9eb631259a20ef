/** What a framework says about itself and its devices (kits/python/mlcheck_kits/<framework>/__init__.py). */
export interface FrameworkFacts {
  framework: 'pytorch' | 'tensorflow';
  /** e.g. torch.__version__ "2.3.1+cu121", tf.__version__ "2.16.1". */
  version: string;
  python: string;
  executable: string;
  /** The framework package's directory. */
  location: string;
  build: {
    /** The CUDA version it was built with; null for a CPU-only build. */
    cuda: string | null;
    /** cuDNN as the build or the runtime reports it, e.g. "8902" or "8"; null when none. */
    cudnn: string | null;
  };
  cuda: {
    /** torch.cuda.is_available() / tf.config.list_physical_devices('GPU') not empty. */
    available: boolean;
    deviceCount: number;
    /** Why CUDA could not be initialised, in the framework's words (a warning or exception). */
    initError: string | null;
    /** pciBusId and uuid where the framework tells them (newer PyTorch). */
    devices: { index: number; name: string; capability: [number, number] | null; memoryBytes: number | null; pciBusId?: string; uuid?: string }[];
  };
  /** cuDNN usable at run time (PyTorch: torch.backends.cudnn.is_available()); null when the framework cannot tell. */
  cudnnAvailable: boolean | null;
  /** Intra-op threads the framework will use. */
  threads: number | null;
  /** e.g. "BLAS_INFO=open" from torch.__config__.show(). */
  blas: string | null;
}
