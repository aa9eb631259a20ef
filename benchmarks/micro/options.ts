import type { BenchOptions } from 'vitest';

/**
 * tinybench options for every micro-benchmark: its defaults (500 ms and at least 10 iterations per
 * task) when measuring, one iteration and no warm-up in the test suite's smoke run
 * (MLCHECK_BENCH_SMOKE=1), which proves the benchmark still runs and asserts no timing.
 */
export const benchOptions: BenchOptions = process.env.MLCHECK_BENCH_SMOKE === '1' ? { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 } : { time: 500, iterations: 10 };
