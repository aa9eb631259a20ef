import { describe, expect, it } from 'vitest';
import { tfjsEngine } from '../src/engines/tfjs/index.js';
import { lenet } from '../src/workloads/lenet/index.js';
import { workloadContext } from './helpers/workload-context.js';

// The pure-JS cpu backend needs about a minute per LeNet step, so training runs on wasm
// (with mlcheck's Conv2DBackpropFilter kernel); the cpu backend only checks the forward/backward wiring.
describe('lenet workload on tfjs', () => {
  it('learns MNIST in 150 steps on wasm and reports the manual\'s numbers', async () => {
    const session = await tfjsEngine.open({ backend: 'wasm' });
    const ctx = workloadContext(lenet, { trainSteps: 150, evalEvery: 50, evalSize: 500, testSize: 1000 });
    const output = await lenet.engines.tfjs!(session, ctx);
    // Untrained: ~90 % error. After 150 steps convolutional.py is well under 10 %.
    expect(output.metrics.test_error_pct.value).toBeLessThan(15);
    expect(output.metrics.validation_error_pct.value).toBeLessThan(15);
    expect(output.metrics.steps.value).toBe(150);
    expect(output.metrics.least_variable_change.value).toBeGreaterThan(0);
    expect(Object.keys((output.details as { variableChange: { byVariable: object } }).variableChange.byVariable)).toEqual(['conv1Weights', 'conv1Biases', 'conv2Weights', 'conv2Biases', 'fc1Weights', 'fc1Biases', 'fc2Weights', 'fc2Biases']);
    expect(output.metrics.ms_per_step_median.value).toBeGreaterThan(0);
    expect(output.metrics.ms_per_step_p95.value).toBeGreaterThanOrEqual(output.metrics.ms_per_step_median.value);
    const curve = (output.details as { validationCurve: { step: number; validation_error_pct: number }[] }).validationCurve;
    expect(curve.map((c) => c.step)).toEqual([50, 100, 150]);
    expect(curve[2].validation_error_pct).toBeLessThan(curve[0].validation_error_pct);
    expect(output.hyperparameters).toMatchObject({ batch_size: 64, momentum: 0.9, learning_rate: 0.01, decay_rate: 0.95, l2_regularization: 5e-4, validation_size: 5000, train_size: 55000, seed: 1 });
    expect(ctx.events.filter((e) => e.phase === 'train').map((e) => e.step)).toEqual([50, 100, 150]);
    expect(session.tf.memory().numTensors).toBeLessThanOrEqual(1); // tfjs's momentum optimizer keeps one scalar after dispose()
    await session.close();
  }, 600_000);

  it('runs a training step on the cpu backend too', async () => {
    const session = await tfjsEngine.open({ backend: 'cpu' });
    const output = await lenet.engines.tfjs!(session, workloadContext(lenet, { trainSteps: 1, batch: 2, evalEvery: 0, evalSize: 10, testSize: 10 }));
    expect(output.metrics.steps.value).toBe(1);
    expect(Number.isFinite(output.metrics.final_minibatch_loss.value)).toBe(true);
    await session.close();
  }, 600_000);
});
