import type { TfjsSession } from '../../engines/tfjs/session.js';
import type { WorkloadRun } from '../types.js';

export const HELLO_TEXT = 'Hello, TensorFlow!';

/** The manual's TF session: a constant string tensor and 10 + 32 as int32, run on the session's device. */
export const helloTfjs: WorkloadRun<TfjsSession> = async (session, ctx) => {
  const { tf } = session;
  const a = Number(ctx.params.a ?? 10);
  const b = Number(ctx.params.b ?? 32);
  ctx.progress({ phase: 'run', message: `constant '${HELLO_TEXT}' and ${a} + ${b} on ${session.info.backend}` });

  const hello = tf.scalar(HELLO_TEXT);
  const sum = tf.tidy(() => tf.add(tf.scalar(a, 'int32'), tf.scalar(b, 'int32')));
  try {
    const [text] = (await hello.data()) as unknown as string[];
    const [answer] = await sum.data();
    return {
      metrics: {
        answer: { value: answer, unit: '' },
        hello_matches: { value: text === HELLO_TEXT ? 1 : 0, unit: 'bool' },
      },
      hyperparameters: { a, b, text: HELLO_TEXT },
      // Python 3 prints a TF string tensor's value as bytes: b'Hello, TensorFlow!'.
      lines: [`b'${text}'`, String(answer), `device: ${session.info.device} (backend ${session.info.backend})`],
      details: { text, answer, sumDtype: sum.dtype, textDtype: hello.dtype, device: session.info.device, backend: session.info.backend },
    };
  } finally {
    hello.dispose();
    sum.dispose();
  }
};
