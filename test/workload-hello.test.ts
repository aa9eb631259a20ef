import { describe, expect, it } from 'vitest';
import { tfjsEngine } from '../src/engines/tfjs/index.js';
import { hello } from '../src/workloads/hello/index.js';
import { workloadContext } from './helpers/workload-context.js';

describe('hello workload on tfjs', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`prints the string and 42 on ${backend}, with the device`, async () => {
      const session = await tfjsEngine.open({ backend });
      const output = await hello.engines.tfjs!(session, workloadContext(hello));
      expect(output.lines?.[0]).toBe("b'Hello, TensorFlow!'");
      expect(output.lines?.[1]).toBe('42');
      expect(output.lines?.[2]).toContain(session.info.device);
      expect(output.metrics.answer).toEqual({ value: 42, unit: '' });
      expect(output.metrics.hello_matches.value).toBe(1);
      expect(output.details).toMatchObject({ sumDtype: 'int32', textDtype: 'string', backend });
      expect(output.hyperparameters).toMatchObject({ a: 10, b: 32 });
      await session.close();
    });
  }

  it('computes with the parameters it is given', async () => {
    const session = await tfjsEngine.open({ backend: 'cpu' });
    const output = await hello.engines.tfjs!(session, workloadContext(hello, { a: 40, b: 2.9 }));
    // int32 tensors truncate, as tf.constant(2.9, tf.int32) would refuse and tfjs truncates.
    expect(output.metrics.answer.value).toBe(42);
    const other = await hello.engines.tfjs!(session, workloadContext(hello, { a: 1, b: 2 }));
    expect(other.metrics.answer.value).toBe(3);
    await session.close();
  });
});
