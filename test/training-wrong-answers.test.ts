import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../src/workloads/training/mnist.js';
import type { DataAccess } from '../src/workloads/types.js';
import { distModule, sharedDataDir } from './helpers/paths.js';

type RunModule = typeof import('../src/runner/run.js');
const { runPlan } = (await import(distModule('runner/run.js'))) as RunModule;

// docs/design.md §4: a wrong answer is `fail`, never `error`; `error` is for what cannot be decided.
describe('training workloads: a wrong computed result fails, bad input stays undecided', () => {
  it('ends a diverging iris, vae and lenet run as fail with the step, not as error', async () => {
    const diverging = [
      { workload: 'iris', backend: 'cpu', params: { learningRate: 1e30 } },
      { workload: 'vae', backend: 'wasm', params: { learningRate: 1e8, trainSteps: 5, testSize: 256, images: false } },
      { workload: 'lenet', backend: 'wasm', params: { learningRate: 1e8, trainSteps: 3, evalEvery: 0, evalSize: 64, testSize: 64 } },
    ];
    for (const { workload, backend, params } of diverging) {
      const record = await runPlan({
        workloads: [workload],
        engines: ['tfjs'],
        backends: [backend],
        profile: 'quick',
        seed: 1,
        dataDir: sharedDataDir,
        outDir: mkdtempSync(path.join(os.tmpdir(), `mlcheck-diverge-${workload}-`)),
        probe: null,
        commandLine: ['test'],
        paramOverrides: { [workload]: params },
      });
      expect(record.cases[0], workload).toMatchObject({ outcome: 'fail', failPhase: 'run', reason: expect.stringMatching(new RegExp(`^${workload}: the loss diverged to (NaN|-?Infinity) at step \\d+$`)) });
    }
  }, 600_000);

  it('reports MNIST files whose image and label counts differ as bad data (undecided), naming the file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-mnist-mismatch-'));
    const images = (count: number): Buffer => {
      const header = Buffer.alloc(16);
      header.writeUInt32BE(0x803, 0);
      header.writeUInt32BE(count, 4);
      header.writeUInt32BE(28, 8);
      header.writeUInt32BE(28, 12);
      return Buffer.concat([header, Buffer.alloc(count * 28 * 28)]);
    };
    const labels = (count: number): Buffer => {
      const header = Buffer.alloc(8);
      header.writeUInt32BE(0x801, 0);
      header.writeUInt32BE(count, 4);
      return Buffer.concat([header, Buffer.alloc(count)]);
    };
    const files = { trainImages: path.join(dir, 'train-images'), trainLabels: path.join(dir, 'train-labels'), testImages: path.join(dir, 'test-images'), testLabels: path.join(dir, 'test-labels') };
    writeFileSync(files.trainImages, images(2));
    writeFileSync(files.trainLabels, labels(3));
    writeFileSync(files.testImages, images(1));
    writeFileSync(files.testLabels, labels(1));
    const data = { files: async () => files, contents: async () => Object.fromEntries(Object.entries(files).map(([key, file]) => [key, { path: file, bytes: readFileSync(file) }])) } as unknown as DataAccess;
    const ctx = { data } as unknown as Parameters<typeof loadMnist>[0];
    await expect(loadMnist(ctx)).rejects.toMatchObject({ kind: 'data', details: { file: files.trainImages, found: '2 images of 28x28', expected: '3 images of 28x28' } });
  });
});
