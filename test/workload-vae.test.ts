import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { tfjsEngine } from '../src/engines/tfjs/index.js';
import { vae } from '../src/workloads/vae/index.js';
import { workloadContext } from './helpers/workload-context.js';

describe('vae workload on tfjs', () => {
  it('trains 200 steps on wasm, reports losses and writes the two PNG grids', async () => {
    const session = await tfjsEngine.open({ backend: 'wasm' });
    const ctx = workloadContext(vae, { trainSteps: 200, testSize: 2000 });
    const output = await vae.engines.tfjs!(session, ctx);
    // An untrained decoder scores ~543 nats/image (784 ln 2); 200 Adam steps bring the test loss well under 200.
    expect(output.metrics.test_loss.value).toBeLessThan(190);
    expect(output.metrics.test_loss.value).toBeGreaterThan(90);
    expect(output.metrics.train_loss.value).toBeGreaterThan(output.metrics.test_loss.value);
    expect(output.metrics.steps.value).toBe(200);
    expect(output.metrics.least_variable_change.value).toBeGreaterThan(0);
    expect(output.lines?.[0]).toMatch(/^====> Epoch: 1 Average loss: \d+\.\d{4}$/);
    expect(output.lines?.[1]).toMatch(/^====> Test set loss: \d+\.\d{4}$/);
    expect(output.artifacts).toEqual([path.join(ctx.outDir, 'reconstruction_1.png'), path.join(ctx.outDir, 'sample_1.png')]);

    const reconstruction = PNG.sync.read(readFileSync(path.join(ctx.outDir, 'reconstruction_1.png')));
    // torchvision's save_image layout: 8 images per row, 2-pixel padding -> 8 * 30 + 2 by 2 * 30 + 2.
    expect([reconstruction.width, reconstruction.height]).toEqual([242, 62]);
    const sample = PNG.sync.read(readFileSync(path.join(ctx.outDir, 'sample_1.png')));
    expect([sample.width, sample.height]).toEqual([242, 242]);
    // The top-left input is test image 0 (a 7): bright strokes on black, not a blank tile.
    const tile = (png: PNG, left: number, top: number): number[] => {
      const values: number[] = [];
      for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) values.push(png.data[((top + y) * png.width + left + x) * 4]);
      return values;
    };
    const input = tile(reconstruction, 2, 2);
    expect(Math.max(...input)).toBe(255);
    expect(input.filter((v) => v === 0).length).toBeGreaterThan(500);
    const decoded = tile(reconstruction, 2, 32);
    expect(Math.max(...decoded)).toBeGreaterThan(100);
    expect(session.tf.memory().numTensors).toBe(0);
    await session.close();
  }, 600_000);

  it('skips the images when asked and is reproducible for a seed', async () => {
    const session = await tfjsEngine.open({ backend: 'wasm' });
    const run = async () => vae.engines.tfjs!(session, workloadContext(vae, { trainSteps: 5, testSize: 256, images: false }, { seed: 3 }));
    const first = await run();
    expect(first.artifacts).toEqual([]);
    expect((await run()).metrics.test_loss.value).toBe(first.metrics.test_loss.value);
    await session.close();
  }, 600_000);
});
