import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { distModule, fixtureWorkload, sharedDataDir } from './helpers/paths.js';

type RunModule = typeof import('../src/runner/run.js');
const { runPlan } = (await import(distModule('runner/run.js'))) as RunModule;

/** quick LeNet on wasm through the real runner, judged by references/profiles.yaml. */
async function quickLenet(extraWorkloadModules: string[]) {
  const record = await runPlan({
    workloads: ['lenet'],
    extraWorkloadModules,
    engines: ['tfjs'],
    backends: ['wasm'],
    profile: 'quick',
    seed: 1,
    dataDir: sharedDataDir,
    outDir: mkdtempSync(path.join(os.tmpdir(), 'mlcheck-broken-kernel-')),
    probe: null,
    commandLine: ['test'],
  });
  expect(record.cases).toHaveLength(1);
  return record.cases[0]!;
}

// Issue 8: with the conv-filter gradients zeroed the filters never learn, yet the biases and fc
// layers do; `quick` LeNet's old threshold (test error <= 30 %) passed such a node.
describe('quick LeNet with a broken wasm kernel', () => {
  it('fails (sanity) when Conv2DBackpropFilter returns zeros, and passes with the real kernel', async () => {
    const broken = await quickLenet([fixtureWorkload('lenet-zeroed-filter-gradient')]);
    expect(broken.metrics.zeroed_filter_gradients?.value, `the fixture's kernel ran (case: ${broken.outcome}, ${broken.reason})`).toBeGreaterThan(0);
    expect(broken, broken.reason ?? '').toMatchObject({ workload: 'lenet', backend: 'wasm', outcome: 'fail', failPhase: 'sanity' });
    // Both quality thresholds see it: the conv filters never moved, and the test error is that of
    // the frozen-conv-filters calibration baseline (benchmarks/calibrate-thresholds.mjs, same seed).
    expect(broken.reason).toMatch(/^test_error_pct [\d.]+% > [\d.]+%; least_variable_change 0 relative < [\d.]+ relative$/);
    expect((broken.details as { variableChange: { byVariable: Record<string, number> } }).variableChange.byVariable).toMatchObject({ conv1Weights: 0, conv2Weights: 0 });

    const healthy = await quickLenet([]);
    expect(healthy.hyperparameters).toEqual(broken.hyperparameters);
    expect(healthy, healthy.reason ?? '').toMatchObject({ workload: 'lenet', backend: 'wasm', outcome: 'pass' });
    expect(healthy.metrics.test_error_pct!.value).toBeLessThan(broken.metrics.test_error_pct!.value);
  }, 900_000);
});
