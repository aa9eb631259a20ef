import { describe, expect, it } from 'vitest';
import { tfjsEngine } from '../src/engines/tfjs/index.js';
import { trackVariableChange } from '../src/workloads/training/variable-change.js';

describe('trackVariableChange', () => {
  it('gives 0 for a variable that never moved, |Δ| / (|before| + |after|) otherwise, and names the least-trained one', async () => {
    const session = await tfjsEngine.open({ backend: 'cpu' });
    const { tf } = session;
    const variables = tf.tidy(() => ({ moved: tf.variable(tf.tensor1d([3, 4])), frozen: tf.variable(tf.tensor1d([1, 1])), fromZero: tf.variable(tf.zeros([2])) }));
    const before = tf.memory().numTensors;
    const change = trackVariableChange(tf, variables);
    tf.tidy(() => {
      variables.moved.assign(tf.tensor1d([6, 8]));
      variables.fromZero.assign(tf.tensor1d([0, 1e-3]));
    });
    const measured = change.measure();
    expect(measured.byVariable).toEqual({ moved: 0.3333, frozen: 0, fromZero: 1 });
    expect(measured).toMatchObject({ least: { value: 0, unit: 'relative' }, leastName: 'frozen' });
    change.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(variables));
    await session.close();
  });
});
