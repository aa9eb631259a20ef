/**
 * A small seeded generator (mulberry32) for everything a workload draws outside tfjs ops:
 * shuffles and the per-step seeds handed to tfjs's seeded random ops (dropout, N(0,1) noise).
 */
export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** A fresh integer seed for one seeded tfjs op. */
  nextSeed(): number;
  /** A uniformly shuffled copy of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array;
}

export function seededRandom(seed: number): SeededRandom {
  let state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    nextSeed: () => Math.floor(next() * 2 ** 31),
    permutation(n) {
      const order = new Int32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const swap = order[i];
        order[i] = order[j];
        order[j] = swap;
      }
      return order;
    },
  };
}
