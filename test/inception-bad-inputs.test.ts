import { copyFileSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDataAccess } from '../src/datasets/index.js';
import { onnxEngine, type OnnxSession } from '../src/engines/onnx/index.js';
import { classifyImages } from '../src/workloads/inception/classify-images.js';
import { decodeRgb } from '../src/workloads/inception/preprocess.js';
import { repoRoot, sharedDataDir } from './helpers/paths.js';

const model = path.join(sharedDataDir, 'imagenet', 'mobilenet_v2_1.0_224.onnx');
const panda = path.join(sharedDataDir, 'images', 'cropped_panda.jpg');
const data = createDataAccess({ dataDir: sharedDataDir, download: false });
const work = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-bad-inputs-'));
const sidecarText = readFileSync(path.join(repoRoot, 'models', 'mobilenet_v2_1.0_224.yaml'), 'utf8');

/** A folder with the real model (symlinked) and a sidecar edited by `edit`. */
function modelWithSidecar(name: string, edit: (sidecar: Record<string, any>) => void): string {
  const dir = mkdtempSync(path.join(work, `${name}-`));
  const file = path.join(dir, 'model.onnx');
  symlinkSync(model, file);
  const sidecar = parse(sidecarText) as Record<string, any>;
  edit(sidecar);
  writeFileSync(path.join(dir, 'model.yaml'), stringify(sidecar));
  return file;
}

let session: OnnxSession;
beforeAll(async () => {
  session = await onnxEngine.open({ backend: 'cpu' });
});

describe('bad inputs get clear errors', () => {
  it('a file that is not an image', async () => {
    const file = path.join(work, 'notes.jpg');
    writeFileSync(file, 'these are not pixels\n');
    await expect(decodeRgb(file)).rejects.toMatchObject({ kind: 'data', message: expect.stringMatching(/notes\.jpg is not an image/), details: { file } });
  });

  it('a truncated JPEG', async () => {
    const file = path.join(work, 'truncated.jpg');
    writeFileSync(file, readFileSync(path.join(sharedDataDir, 'images', 'grace_hopper.jpg')).subarray(0, 30_000));
    await expect(decodeRgb(file)).rejects.toMatchObject({ kind: 'data', message: expect.stringMatching(/truncated\.jpg is truncated or corrupt/) });
  });

  it('a model file that is not ONNX', async () => {
    const file = path.join(work, 'not-a-model.onnx');
    writeFileSync(file, 'hello');
    copyFileSync(path.join(repoRoot, 'models', 'mobilenet_v2_1.0_224.yaml'), path.join(work, 'not-a-model.yaml'));
    await expect(classifyImages({ session, data, model: file, images: [panda] })).rejects.toMatchObject({ kind: 'data', message: expect.stringContaining(`onnxruntime cannot load the model ${file}`) });
  });

  it('a truncated model', async () => {
    const file = path.join(work, 'truncated.onnx');
    writeFileSync(file, readFileSync(model).subarray(0, 4_000_000));
    copyFileSync(path.join(repoRoot, 'models', 'mobilenet_v2_1.0_224.yaml'), path.join(work, 'truncated.yaml'));
    await expect(classifyImages({ session, data, model: file, images: [panda] })).rejects.toMatchObject({ kind: 'data', message: expect.stringContaining('onnxruntime cannot load the model') });
  });

  it('a model whose input shape disagrees with its sidecar', async () => {
    const file = modelWithSidecar('shape', (s) => (s.input.size = [299, 299]));
    await expect(classifyImages({ session, data, model: file, images: [panda] })).rejects.toMatchObject({
      kind: 'data',
      message: expect.stringContaining('disagrees with its sidecar'),
      details: { expected: '[N, 299, 299, 3]', found: '[N, 224, 224, 3]' },
    });
    const nchw = modelWithSidecar('layout', (s) => (s.input.layout = 'NCHW'));
    await expect(classifyImages({ session, data, model: nchw, images: [panda] })).rejects.toMatchObject({ message: expect.stringContaining('input shape (layout NCHW') });
  });

  it('a labels file whose length disagrees with the model output', async () => {
    const file = modelWithSidecar('labels', (s) => (s.labels.file = 'labels-1000.txt'));
    const lines = readFileSync(path.join(sharedDataDir, 'imagenet', 'imagenet_labels.txt'), 'utf8').split('\n').slice(1);
    writeFileSync(path.join(path.dirname(file), 'labels-1000.txt'), lines.join('\n'));
    await expect(classifyImages({ session, data, model: file, images: [panda] })).rejects.toMatchObject({
      kind: 'data',
      message: expect.stringMatching(/labels-1000\.txt has 1000 lines but the model has 1001 outputs/),
    });
    const classes = modelWithSidecar('classes', (s) => (s.output.classes = 1000));
    writeFileSync(path.join(path.dirname(classes), 'imagenet_labels.txt'), lines.join('\n'));
    await expect(classifyImages({ session, data, model: classes, images: [panda] })).rejects.toMatchObject({ message: expect.stringContaining('number of classes') });
  });

  it('a model with no sidecar and no registry entry', async () => {
    const file = path.join(work, 'unknown.onnx');
    writeFileSync(file, readFileSync(model).subarray(0, 1000));
    await expect(classifyImages({ session, data, model: file, images: [panda] })).rejects.toMatchObject({ kind: 'usage', message: expect.stringContaining('no sidecar for model') });
  });

  it('a sidecar with a wrong value names the key', async () => {
    const file = modelWithSidecar('sidecar', (s) => (s.input.channels = 'RGBA'));
    await expect(classifyImages({ session, data, model: file, images: [panda] })).rejects.toMatchObject({ kind: 'usage', message: expect.stringContaining('at input.channels') });
  });
});
