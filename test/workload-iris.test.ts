import { describe, expect, it } from 'vitest';
import { tfjsEngine } from '../src/engines/tfjs/index.js';
import { iris } from '../src/workloads/iris/index.js';
import { workloadContext } from './helpers/workload-context.js';

describe('iris workload on tfjs (full: 1,000 steps)', () => {
  it.each(['cpu', 'wasm'])("reaches the manual's accuracy and predicts the three flowers on %s", async (backend) => {
    const session = await tfjsEngine.open({ backend });
    const ctx = workloadContext(iris);
    const output = await iris.engines.tfjs!(session, ctx);
    expect(output.metrics.test_accuracy.value).toBeGreaterThanOrEqual(0.9);
    expect(output.metrics.predictions_correct.value).toBe(3);
    // Every variable trained (a zeroed gradient would leave one at exactly 0); the DNN fits far better than a linear model (~0.3).
    expect(output.metrics.least_variable_change.value).toBeGreaterThan(0.01);
    expect(output.metrics.test_loss.value).toBeLessThan(0.15);
    expect(output.lines?.[0]).toMatch(/^Test set accuracy: 0\.\d{3}$/);
    expect(output.lines?.slice(1)).toEqual([
      expect.stringMatching(/^Prediction is "Setosa" \(\d+\.\d%\), expected "Setosa"$/),
      expect.stringMatching(/^Prediction is "Versicolor" \(\d+\.\d%\), expected "Versicolor"$/),
      expect.stringMatching(/^Prediction is "Virginica" \(\d+\.\d%\), expected "Virginica"$/),
    ]);
    const predictions = (output.details as { predictions: { probabilities: number[] }[] }).predictions;
    for (const p of predictions) expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(output.hyperparameters).toMatchObject({ hidden_units: [10, 10], learning_rate: 0.05, initial_accumulator_value: 0.1, batch_size: 100, train_steps: 1000, seed: 1 });
    expect(ctx.events.filter((e) => e.phase === 'train').at(-1)).toMatchObject({ step: 1000, totalSteps: 1000 });
    expect(session.tf.memory().numTensors).toBe(0);
    await session.close();
  });

  it('is reproducible for a seed and differs across seeds', async () => {
    const session = await tfjsEngine.open({ backend: 'cpu' });
    const run = async (seed: number) => (await iris.engines.tfjs!(session, workloadContext(iris, { trainSteps: 30 }, { seed }))).metrics.final_loss.value;
    const first = await run(7);
    expect(await run(7)).toBe(first);
    expect(await run(8)).not.toBe(first);
    await session.close();
  });

  it('stops between steps when aborted', async () => {
    const session = await tfjsEngine.open({ backend: 'cpu' });
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    await expect(iris.engines.tfjs!(session, workloadContext(iris, {}, { signal: controller.signal }))).rejects.toThrow('stop now');
    expect(session.tf.memory().numTensors).toBe(0);
    await session.close();
  });

  it('rejects a parameter of the wrong type with the key', async () => {
    const session = await tfjsEngine.open({ backend: 'cpu' });
    await expect(iris.engines.tfjs!(session, workloadContext(iris, { batch: 'many' }))).rejects.toMatchObject({ kind: 'usage', message: expect.stringContaining('batch') });
    await session.close();
  });
});
