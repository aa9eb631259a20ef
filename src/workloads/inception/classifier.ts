import type { InferenceSession } from 'onnxruntime-node';
import { endProfiling } from '../../engines/onnx/profile-file.js';
import type { OnnxSession } from '../../engines/onnx/session.js';
import { DataError } from '../../util/errors.js';
import { loadClassNames, type ClassNames, type LabelFileResolver } from './labels.js';
import type { ModelSidecar } from './sidecar.js';

export interface Prediction {
  index: number;
  label: string;
  score: number;
}

export interface Classifier {
  readonly sidecar: ModelSidecar;
  readonly classNames: ClassNames;
  /** Time to create the InferenceSession (read, optimise, place on the provider). */
  readonly modelLoadMs: number;
  /** Scores (softmax) per image, batch-major: [batch * classes]. */
  scores(batch: Float32Array, batchSize: number): Promise<Float32Array>;
  /** Stops ONNX Runtime's profiler (opened with `profileFilePrefix`) and returns its file. */
  endProfiling(): string;
  close(): Promise<void>;
}

export interface ClassifierOptions {
  /** Profile the runs until endProfiling(), to learn which provider ran each node. */
  profileFilePrefix?: string;
}

export async function openClassifier(session: OnnxSession, modelFile: string, sidecar: ModelSidecar, resolveLabelFile: LabelFileResolver, options: ClassifierOptions = {}): Promise<Classifier> {
  const classNames = await loadClassNames(sidecar, resolveLabelFile);
  const start = performance.now();
  const inference = await session.createInferenceSession(modelFile, options);
  const modelLoadMs = performance.now() - start;
  try {
    checkModelAgainstSidecar(inference, modelFile, sidecar);
  } catch (error) {
    await inference.release();
    throw error;
  }
  const { input, output } = sidecar;
  const imageShape = input.layout === 'NHWC' ? [input.height, input.width, 3] : [3, input.height, input.width];
  return {
    sidecar,
    classNames,
    modelLoadMs,
    async scores(batch, batchSize) {
      const feeds = { [input.name]: new session.ort.Tensor('float32', batch, [batchSize, ...imageShape]) };
      const result = await inference.run(feeds);
      const tensor = result[output.name];
      if (!tensor || tensor.type !== 'float32' || tensor.size !== batchSize * output.classes) {
        throw new DataError(`model ${modelFile} output ${output.name} has ${tensor?.size ?? 0} values for a batch of ${batchSize}`, {
          file: modelFile,
          expected: `${batchSize} x ${output.classes} float32 (output.classes in ${sidecar.source})`,
          found: tensor ? `${tensor.type} [${tensor.dims.join(', ')}]` : 'no such output',
        });
      }
      const values = tensor.data as Float32Array;
      return output.kind === 'softmax' ? values : softmaxRows(values, output.classes);
    },
    endProfiling() {
      if (options.profileFilePrefix === undefined) throw new Error('this classifier was opened without profileFilePrefix');
      return endProfiling(inference, options.profileFilePrefix);
    },
    close: () => inference.release(),
  };
}

/** The model's declared input and output must agree with what the sidecar says to feed it. */
function checkModelAgainstSidecar(inference: InferenceSession, modelFile: string, sidecar: ModelSidecar): void {
  const { input, output } = sidecar;
  const mismatch = (what: string, expected: string, found: string): never => {
    throw new DataError(`model ${modelFile} disagrees with its sidecar ${sidecar.source}: ${what}`, { file: modelFile, expected, found, fix: `correct ${sidecar.source}, or use the model it describes` });
  };
  if (!inference.inputNames.includes(input.name)) mismatch('input name', input.name, inference.inputNames.join(', '));
  if (!inference.outputNames.includes(output.name)) mismatch('output name', output.name, inference.outputNames.join(', '));
  const inputMeta = inference.inputMetadata.find((m) => m.name === input.name);
  if (inputMeta?.isTensor) {
    const expected = input.layout === 'NHWC' ? ['N', input.height, input.width, 3] : ['N', 3, input.height, input.width];
    const shape = inputMeta.shape;
    const agrees = shape.length === 4 && shape.every((dim, i) => i === 0 || typeof dim !== 'number' || dim === expected[i]);
    if (!agrees) mismatch(`input shape (layout ${input.layout}, size ${input.height}x${input.width})`, `[${expected.join(', ')}]`, `[${shape.join(', ')}]`);
    if (inputMeta.type !== 'float32') mismatch('input type', 'float32', inputMeta.type);
  }
  const outputMeta = inference.outputMetadata.find((m) => m.name === output.name);
  if (outputMeta?.isTensor) {
    const last = outputMeta.shape[outputMeta.shape.length - 1];
    if (typeof last === 'number' && last !== output.classes) mismatch('number of classes (output.classes)', String(output.classes), `[${outputMeta.shape.join(', ')}]`);
  }
}

function softmaxRows(logits: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let row = 0; row < logits.length; row += classes) {
    let max = -Infinity;
    for (let i = 0; i < classes; i++) max = Math.max(max, logits[row + i]!);
    let sum = 0;
    for (let i = 0; i < classes; i++) sum += out[row + i] = Math.exp(logits[row + i]! - max);
    for (let i = 0; i < classes; i++) out[row + i]! /= sum;
  }
  return out;
}

export function topK(scores: Float32Array, classNames: ClassNames, k = 5, offset = 0, classes = scores.length): Prediction[] {
  const indices = Array.from({ length: classes }, (_, i) => i);
  indices.sort((a, b) => scores[offset + b]! - scores[offset + a]!);
  return indices.slice(0, k).map((index) => ({ index, label: classNames[index] || `class ${index}`, score: scores[offset + index]! }));
}
