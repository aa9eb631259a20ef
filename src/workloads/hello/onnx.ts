import { encodeOnnxModel } from '../../engines/onnx/onnx-model-builder.js';
import type { OnnxSession } from '../../engines/onnx/session.js';
import { MlcheckError } from '../../util/errors.js';
import type { WorkloadRun } from '../types.js';

export const HELLO_ONNX_TEXT = 'Hello, ONNX Runtime!';

/** The manual's hello graph in ONNX: sum = Add(Constant a, Constant b), greeting = Identity(Constant text). */
export function helloOnnxModel(a: number, b: number, text: string = HELLO_ONNX_TEXT): Uint8Array {
  return encodeOnnxModel({
    graphName: 'mlcheck_hello',
    nodes: [
      { opType: 'Constant', inputs: [], outputs: ['a'], tensorAttributes: { value: { dataType: 'int32', dims: [], values: [a] } } },
      { opType: 'Constant', inputs: [], outputs: ['b'], tensorAttributes: { value: { dataType: 'int32', dims: [], values: [b] } } },
      { opType: 'Add', inputs: ['a', 'b'], outputs: ['sum'] },
      { opType: 'Constant', inputs: [], outputs: ['text'], tensorAttributes: { value: { dataType: 'string', dims: [], values: [text] } } },
      { opType: 'Identity', inputs: ['text'], outputs: ['greeting'] },
    ],
    outputs: [
      { name: 'sum', dataType: 'int32', dims: [] },
      { name: 'greeting', dataType: 'string', dims: [] },
    ],
  });
}

export const helloOnnx: WorkloadRun<OnnxSession> = async (session, ctx) => {
  const a = Number(ctx.params.a ?? 10);
  const b = Number(ctx.params.b ?? 32);
  const inference = await session.createInferenceSession(helloOnnxModel(a, b));
  try {
    const result = await inference.run({});
    const sum = Number((result.sum?.data as Int32Array | undefined)?.[0]);
    const greeting = String((result.greeting?.data as string[] | undefined)?.[0]);
    if (greeting !== HELLO_ONNX_TEXT || sum !== a + b) {
      throw new MlcheckError('data', `onnxruntime computed ${a} + ${b} = ${sum} and '${greeting}'`, {
        expected: `${a + b} and '${HELLO_ONNX_TEXT}'`,
        found: `${sum} and '${greeting}'`,
      });
    }
    return {
      metrics: { sum: { value: sum, unit: '' } },
      hyperparameters: { a, b },
      lines: [`b'${greeting}'`, String(sum), `ran on ${session.info.backend} (${session.executionProviders.join(', ')}): ${session.info.device}`],
      details: { greeting, sum, executionProviders: session.executionProviders, skippedProviders: session.skippedProviders },
    };
  } finally {
    await inference.release();
  }
};
