/**
 * The manual's node requirements (Bright Cluster Manager 9.0 Machine Learning Manual, as
 * condensed in docs/design.md §1), kept as data: rules.ts only interprets them.
 */
export interface CudaRule {
  manual: string;
  /** Below this a `*-cuda*` package fails. */
  minimum: { major: number; minor: number };
  /** Below this (and at or above the minimum) it warns. */
  recommended: { major: number; minor: number };
}

export interface CpuFeatureRule {
  manual: string;
  /** Every flag must be usable (cpuid lists it and the OS enabled its register state). */
  requiredFeatures: readonly string[];
  /** How the flags read in a reason. */
  labels: Readonly<Record<string, string>>;
}

export interface MemoryRule {
  manual: string;
  minimumBytes: number;
  /** MemTotal excludes memory the firmware and kernel keep, so an "8 GB" node shows ~7.6 GiB. */
  toleranceFraction: number;
}

export interface ManualRules {
  cuda: CudaRule;
  gcc: CpuFeatureRule;
  gcc8: CpuFeatureRule;
  memory: MemoryRule;
  commonMistakes: { cudaWithoutGpu: string; vnniWithoutVnni: string };
}

export const RULE_FAMILIES = ['cuda', 'gcc', 'gcc8', 'memory'] as const;
export type RuleFamily = (typeof RULE_FAMILIES)[number];

export const MANUAL_RULES: ManualRules = {
  cuda: {
    manual: '*-cuda* packages need an NVIDIA GPU, Maxwell or newer, with compute capability >= 3.5; >= 6.0 is recommended',
    minimum: { major: 3, minor: 5 },
    recommended: { major: 6, minor: 0 },
  },
  gcc: {
    manual: '*-gcc packages (built with GCC 5) need a CPU with AVX, AVX2, FMA and SSE4.2',
    requiredFeatures: ['avx', 'avx2', 'fma', 'sse4_2'],
    labels: { avx: 'AVX', avx2: 'AVX2', fma: 'FMA', sse4_2: 'SSE4.2' },
  },
  gcc8: {
    manual: '*-gcc8 and *-mkl-gcc8 packages need a CPU with AVX-512 VNNI (e.g. Xeon Scalable with DL Boost)',
    requiredFeatures: ['avx512_vnni'],
    labels: { avx512_vnni: 'AVX-512 VNNI' },
  },
  memory: {
    manual: 'a minimum of 8 GB of RAM is recommended on nodes',
    minimumBytes: 8 * 1024 ** 3,
    toleranceFraction: 0.05,
  },
  commonMistakes: {
    cudaWithoutGpu: "the manual's common mistake: CUDA packages on a node without GPUs (they segfault at run time)",
    vnniWithoutVnni: "the manual's common mistake: VNNI (gcc8) packages on a CPU without AVX-512 VNNI (they segfault at run time)",
  },
};
