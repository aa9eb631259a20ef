import { defineConfig } from 'vitest/config';

/** `vitest bench` for the micro-benchmarks (benchmarks/micro); `npm run bench` runs them with the rest. */
export default defineConfig({
  test: {
    include: [],
    pool: 'forks',
    fileParallelism: false,
    benchmark: { include: ['benchmarks/micro/**/*.bench.ts'] },
  },
});
