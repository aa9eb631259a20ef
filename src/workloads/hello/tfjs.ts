import type { TfjsSession } from '../../engines/tfjs/session.js';
import { MlcheckError } from '../../util/errors.js';
import { numberParam } from '../training/params.js';
import type { WorkloadRun } from '../types.js';

export const HELLO_TEXT = 'Hello, TensorFlow!';

/** The manual's TF session: a constant string tensor and 10 + 32 as int32, run on the session's device. */
export const helloTfjs: WorkloadRun<TfjsSession> = async (session, ctx) => {
  const { tf } = session;
  const int32 = (n: number): boolean => Number.isInteger(n) && Math.abs(n) < 2 ** 30;
  const a = numberParam('hello', ctx.params, 'a', 10, int32);
  const b = numberParam('hello', ctx.params, 'b', 32, int32);
  ctx.progress({ phase: 'run', message: `constant '${HELLO_TEXT}' and ${a} + ${b} on ${session.info.backend}` });

  const helloTensor = tf.scalar(HELLO_TEXT);
  const sumTensor = tf.tidy(() => tf.add(tf.scalar(a, 'int32'), tf.scalar(b, 'int32')));
  try {
    const [text] = (await helloTensor.data()) as unknown as string[];
    const [sum] = await sumTensor.data();
    if (text !== HELLO_TEXT || sum !== a + b) {
      throw new MlcheckError('data', `tfjs (${session.info.backend}) computed ${a} + ${b} = ${sum} and '${text}'`, {
        expected: `${a + b} and '${HELLO_TEXT}'`,
        found: `${sum} and '${text}'`,
      });
    }
    return {
      // Named as the onnx engine's hello names it, so one threshold in profiles.yaml judges both.
      metrics: { sum: { value: sum, unit: '' } },
      hyperparameters: { a, b, text: HELLO_TEXT },
      // Python 3 prints a TF string tensor's value as bytes: b'Hello, TensorFlow!'.
      lines: [`b'${text}'`, String(sum), `device: ${session.info.device} (backend ${session.info.backend})`],
      details: { text, sum, sumDtype: sumTensor.dtype, textDtype: helloTensor.dtype, device: session.info.device, backend: session.info.backend },
    };
  } finally {
    helloTensor.dispose();
    sumTensor.dispose();
  }
};
