/**
 * The instruction-set flags the probe reports, spelled as /proc/cpuinfo spells them. The native
 * addon (native/src/cpu_probe.cc) reads the same names from cpuid; the fallback reads them from
 * the kernel's flags line.
 */
export const CPU_FEATURE_NAMES = [
  'sse', 'sse2', 'pni', 'pclmulqdq', 'ssse3', 'fma', 'cx16', 'sse4_1', 'sse4_2', 'movbe', 'popcnt', 'aes', 'xsave',
  'avx', 'f16c', 'rdrand', 'bmi1', 'avx2', 'bmi2', 'avx512f', 'avx512dq', 'adx', 'avx512ifma', 'avx512pf', 'avx512er',
  'avx512cd', 'sha_ni', 'avx512bw', 'avx512vl', 'avx512vbmi', 'avx512_vbmi2', 'gfni', 'vaes', 'vpclmulqdq', 'avx512_vnni',
  'avx512_bitalg', 'avx512_vpopcntdq', 'avx512_4vnniw', 'avx512_4fmaps', 'avx512_vp2intersect', 'amx_bf16', 'avx512_fp16',
  'amx_tile', 'amx_int8', 'avx_vnni', 'avx512_bf16', 'xsaveopt', 'xsavec', 'xgetbv1', 'xsaves', 'lahf_lm', 'abm', 'sse4a',
  'fma4', 'syscall', 'nx', 'lm',
] as const;

/** The flags the issue and the manual's rules name; tests compare these with /proc/cpuinfo. */
export const RULE_FEATURE_NAMES = [
  'sse4_2', 'avx', 'avx2', 'fma', 'f16c', 'avx512f', 'avx512dq', 'avx512cd', 'avx512bw', 'avx512vl', 'avx512_vnni',
  'avx_vnni', 'avx512_bf16', 'amx_tile', 'amx_bf16', 'amx_int8',
] as const;
