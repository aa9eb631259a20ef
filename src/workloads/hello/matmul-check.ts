import { seededRandom } from '../training/random.js';

/** A seeded float32 product C = A·B with its float64 reference, for checking an engine's MatMul. */
export interface MatmulCheck {
  rows: number;
  inner: number;
  columns: number;
  seed: number;
  /** rows x inner, row-major, uniform in [-1, 1). */
  a: Float32Array;
  /** inner x columns, row-major, uniform in [-1, 1). */
  b: Float32Array;
  /** The exact product of the float32 inputs, computed in float64. */
  reference: Float64Array;
  /** Σ_k |a_ik|·|b_kj| per element: the scale every rounding error bound is relative to. */
  magnitude: Float64Array;
}

/** A few hundred cubed: enough work for a GPU's BLAS to use its real kernels, still milliseconds on a CPU. */
export const MATMUL_SHAPE = { rows: 256, inner: 384, columns: 320 } as const;

/**
 * The tolerance on `maxRelativeError` (profiles.yaml: matmul_max_rel_error), derived, not tuned.
 * An element's error is measured against Σ_k |a_ik||b_kj|, the quantity the standard bound scales
 * with (Higham, Accuracy and Stability of Numerical Algorithms, §3.1), so the bound holds for any
 * summation order, blocking, split-K or FMA a BLAS chooses:
 *  - float32 accumulation over K = 384 terms: γ_K = K·u / (1 - K·u), u = 2^-24, = 2.29e-5;
 *  - TF32 tensor cores (Ampere and newer), which TensorFlow 2.9 and ONNX Runtime's CUDA provider
 *    (use_tf32, on by default) use for float32 MatMul: each input keeps 10 of its 23 mantissa
 *    bits, a relative error below 2^-10 even when truncated, so each product is off by less than
 *    2·2^-10 + 2^-20 = 1.954e-3.
 * Together at most 1.98e-3; the threshold is 2e-3. A healthy CPU measures about 1e-7. A wrong or
 * stale tile, a zeroed output or a flipped exponent or high mantissa bit is off by 1e-2 or more
 * (|c_ij| is about Σ|a||b| / √K): silent data corruption fails; low mantissa bits are below TF32's
 * own rounding and cannot be told apart from it.
 */
export const MATMUL_ERROR_BOUND = (() => {
  const u = 2 ** -24;
  const k = MATMUL_SHAPE.inner;
  const accumulation = (k * u) / (1 - k * u);
  const tf32Products = 2 * 2 ** -10 + 2 ** -20;
  return tf32Products + accumulation;
})();

export function createMatmulCheck(seed: number, shape: { rows: number; inner: number; columns: number } = MATMUL_SHAPE): MatmulCheck {
  const { rows, inner, columns } = shape;
  // Its own stream, so the check's inputs do not depend on what else a workload draws.
  const random = seededRandom(seed ^ 0x6d61746d);
  const a = new Float32Array(rows * inner);
  const b = new Float32Array(inner * columns);
  for (let i = 0; i < a.length; i++) a[i] = 2 * random.next() - 1;
  for (let i = 0; i < b.length; i++) b[i] = 2 * random.next() - 1;
  const reference = new Float64Array(rows * columns);
  const magnitude = new Float64Array(rows * columns);
  // B transposed (and |A|, |B|) so the inner loop walks two contiguous rows and sums in registers.
  const bt = new Float64Array(inner * columns);
  const absBt = new Float64Array(inner * columns);
  for (let k = 0; k < inner; k++) {
    for (let j = 0; j < columns; j++) {
      bt[j * inner + k] = b[k * columns + j]!;
      absBt[j * inner + k] = Math.abs(b[k * columns + j]!);
    }
  }
  const rowA = new Float64Array(inner);
  const absRowA = new Float64Array(inner);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < inner; k++) {
      rowA[k] = a[i * inner + k]!;
      absRowA[k] = Math.abs(rowA[k]!);
    }
    for (let j = 0; j < columns; j++) {
      const offset = j * inner;
      // Two independent chains each (faster); float64 rounding, ~1e-14 of Σ|a||b|, is nothing beside float32's.
      let sum0 = 0;
      let sum1 = 0;
      let scale0 = 0;
      let scale1 = 0;
      let k = 0;
      for (; k + 1 < inner; k += 2) {
        sum0 += rowA[k]! * bt[offset + k]!;
        sum1 += rowA[k + 1]! * bt[offset + k + 1]!;
        scale0 += absRowA[k]! * absBt[offset + k]!;
        scale1 += absRowA[k + 1]! * absBt[offset + k + 1]!;
      }
      for (; k < inner; k++) {
        sum0 += rowA[k]! * bt[offset + k]!;
        scale0 += absRowA[k]! * absBt[offset + k]!;
      }
      reference[i * columns + j] = sum0 + sum1;
      magnitude[i * columns + j] = scale0 + scale1;
    }
  }
  return { rows, inner, columns, seed, a, b, reference, magnitude };
}

export interface MatmulComparison {
  /** max over elements of |c - reference| / Σ|a||b|; Infinity when any element is not finite or the size is wrong. */
  maxRelativeError: number;
  /** The element with the largest error, for the report. */
  worst: { row: number; column: number; value: number; reference: number } | null;
}

export function compareProduct(check: MatmulCheck, product: ArrayLike<number>): MatmulComparison {
  if (product.length !== check.reference.length) return { maxRelativeError: Infinity, worst: null };
  let maxRelativeError = 0;
  let worstIndex = -1;
  for (let i = 0; i < product.length; i++) {
    const value = product[i]!;
    const error = Number.isFinite(value) ? Math.abs(value - check.reference[i]!) / check.magnitude[i]! : Infinity;
    if (error > maxRelativeError || worstIndex < 0) {
      maxRelativeError = error;
      worstIndex = i;
    }
  }
  const worst = worstIndex < 0 ? null : { row: Math.floor(worstIndex / check.columns), column: worstIndex % check.columns, value: product[worstIndex]!, reference: check.reference[worstIndex]! };
  return { maxRelativeError, worst };
}

/** The line hello prints for the check, e.g. "MatMul 256x384 · 384x320 (seed 1): max relative error 1.1e-7". */
export function describeComparison(check: MatmulCheck, comparison: MatmulComparison): string {
  return `MatMul ${check.rows}x${check.inner} · ${check.inner}x${check.columns} (seed ${check.seed}): max relative error ${comparison.maxRelativeError.toExponential(2)} (float32 bound incl. TF32: ${MATMUL_ERROR_BOUND.toExponential(2)})`;
}
