import { describe, expect, it } from 'vitest';
import { tfjsEngine } from '../src/engines/tfjs/index.js';
import { hello } from '../src/workloads/hello/index.js';
import { workloadContext } from './helpers/workload-context.js';

describe('hello workload on tfjs', () => {
  it.each(['cpu', 'wasm'])('prints the string and 42 on %s, with the device', async (backend) => {
    const session = await tfjsEngine.open({ backend });
    const output = await hello.engines.tfjs!(session, workloadContext(hello));
    expect(output.lines?.[0]).toBe("b'Hello, TensorFlow!'");
    expect(output.lines?.[1]).toBe('42');
    expect(output.lines?.[2]).toContain(session.info.device);
    expect(output.metrics.sum).toEqual({ value: 42, unit: '' });
    expect(output.metrics.greeting_matches).toEqual({ value: 1, unit: '' });
    expect(output.metrics.ran_on_requested_device).toEqual({ value: 1, unit: '' });
    // float32 against the float64 reference: far inside the derived bound (matmul-check.ts).
    expect(output.metrics.matmul_max_rel_error!.value).toBeLessThan(1e-6);
    expect(output.lines?.[3]).toMatch(/^MatMul 256x384 · 384x320 \(seed 1\): max relative error/);
    expect(output.details).toMatchObject({ sumDtype: 'int32', textDtype: 'string', backend });
    expect(output.hyperparameters).toMatchObject({ a: 10, b: 32 });
    await session.close();
  });

  it('computes with the parameters it is given and refuses non-integers', async () => {
    const session = await tfjsEngine.open({ backend: 'cpu' });
    const other = await hello.engines.tfjs!(session, workloadContext(hello, { a: 1, b: -2 }));
    expect(other.metrics.sum.value).toBe(-1);
    expect(other.lines?.[1]).toBe('-1');
    await expect(hello.engines.tfjs!(session, workloadContext(hello, { a: 2.5 }))).rejects.toMatchObject({ kind: 'usage', message: expect.stringContaining('parameter a') });
    await session.close();
  });
});
