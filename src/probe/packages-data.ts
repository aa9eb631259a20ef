/**
 * The machine-learning package families of the manual's package table (Table 1.3 of the Bright
 * Cluster Manager 9.0 Machine Learning Manual), as data for `mlcheck probe --list-packages`.
 * Which exact builds a cluster has depends on its Bright release and Linux distribution; the
 * names here show the naming scheme the rules parse: cm-<framework>-py<XY>-<accelerator>-<compiler>.
 */
export interface PackageBuild {
  accelerator: string | null;
  compiler: string | null;
}

export interface PackageFamily {
  framework: string;
  description: string;
  /** Python builds (`py36`, `py37`); empty for packages without one. */
  pythons: readonly string[];
  builds: readonly PackageBuild[];
}

const PY = ['py36', 'py37'] as const;
const CUDA_GCC: PackageBuild = { accelerator: 'cuda10.1', compiler: 'gcc' };
const MKL_GCC8: PackageBuild = { accelerator: 'mkl', compiler: 'gcc8' };

export const MANUAL_PACKAGE_FAMILIES: readonly PackageFamily[] = [
  { framework: 'tensorflow', description: 'TensorFlow (GPU build; MKL-DNN build for CPUs with AVX-512 VNNI)', pythons: PY, builds: [CUDA_GCC, MKL_GCC8] },
  { framework: 'tensorflow2', description: 'TensorFlow 2', pythons: PY, builds: [CUDA_GCC] },
  { framework: 'pytorch', description: 'PyTorch', pythons: PY, builds: [CUDA_GCC] },
  { framework: 'caffe2', description: 'Caffe2', pythons: PY, builds: [CUDA_GCC] },
  { framework: 'xgboost', description: 'XGBoost gradient boosting', pythons: PY, builds: [CUDA_GCC] },
  { framework: 'mxnet', description: 'Apache MXNet', pythons: PY, builds: [CUDA_GCC, MKL_GCC8] },
  { framework: 'keras', description: 'Keras', pythons: PY, builds: [CUDA_GCC] },
  { framework: 'chainer', description: 'Chainer (with CuPy)', pythons: PY, builds: [CUDA_GCC] },
  { framework: 'cntk', description: 'Microsoft Cognitive Toolkit', pythons: PY, builds: [CUDA_GCC] },
  { framework: 'dynet', description: 'DyNet', pythons: PY, builds: [CUDA_GCC] },
  { framework: 'theano', description: 'Theano', pythons: PY, builds: [CUDA_GCC] },
  { framework: 'gpytorch', description: 'GPyTorch', pythons: PY, builds: [CUDA_GCC] },
  { framework: 'fastai', description: 'fastai', pythons: PY, builds: [CUDA_GCC] },
  { framework: 'horovod-tensorflow', description: 'Horovod for TensorFlow', pythons: PY, builds: [CUDA_GCC] },
  { framework: 'horovod-pytorch', description: 'Horovod for PyTorch', pythons: PY, builds: [CUDA_GCC] },
  { framework: 'onnx-pytorch', description: 'ONNX for PyTorch', pythons: PY, builds: [CUDA_GCC] },
  { framework: 'opencv4', description: 'OpenCV 4', pythons: PY, builds: [CUDA_GCC] },
  { framework: 'ml-pythondeps', description: 'Python dependencies of the ML packages', pythons: PY, builds: [{ accelerator: null, compiler: null }] },
  { framework: 'ml-distdeps', description: 'distribution dependencies of the ML packages', pythons: [], builds: [{ accelerator: 'cuda10.1', compiler: null }] },
  { framework: 'nccl2', description: 'NVIDIA NCCL 2', pythons: [], builds: [CUDA_GCC] },
  { framework: 'cub', description: 'NVIDIA CUB', pythons: [], builds: [{ accelerator: 'cuda10.1', compiler: null }] },
  { framework: 'protobuf3', description: 'Protocol Buffers 3', pythons: [], builds: [{ accelerator: null, compiler: 'gcc' }] },
  { framework: 'bazel', description: 'Bazel build tool', pythons: [], builds: [{ accelerator: null, compiler: null }] },
];

/** Every package name the families expand to, e.g. cm-tensorflow-py37-mkl-gcc8. */
export function manualPackageNames(families: readonly PackageFamily[] = MANUAL_PACKAGE_FAMILIES): string[] {
  const names: string[] = [];
  for (const family of families) {
    const pythons = family.pythons.length > 0 ? family.pythons : [null];
    for (const build of family.builds) {
      for (const python of pythons) {
        names.push(['cm', family.framework, python, build.accelerator, build.compiler].filter((part) => part !== null).join('-'));
      }
    }
  }
  return names;
}
