// Probe latency: what a Slurm prolog pays for `mlcheck probe` beyond starting node.
import { bench, describe } from 'vitest';
import { loadNativeProbe } from '../../src/native/binding.js';
import { probeNode } from '../../src/probe/index.js';
import { benchOptions } from './options.js';

describe('probe', () => {
  const native = loadNativeProbe();
  bench('native cpuid + xgetbv + memory', () => {
    native.probeCpu();
    native.totalMemoryBytes();
  }, benchOptions);
  bench('native GPU probe (dlopen of the driver libraries)', async () => {
    await native.probeGpus();
  }, benchOptions);
  bench('probeNode(): every fact and verdict', async () => {
    await probeNode();
  }, benchOptions);
});
