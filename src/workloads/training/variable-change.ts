import type * as tfc from '@tensorflow/tfjs-core';
import type { Measurement } from '../types.js';

export interface VariableChange {
  /** The smallest change of any variable: 0 when one never moved (a zeroed gradient), at most 1. */
  least: Measurement;
  /** Which variable that was. */
  leastName: string;
  /** Every variable's change, for the report's details. */
  byVariable: Record<string, number>;
}

/**
 * How far training moved each variable, as |w_end - w_start| / (|w_start| + |w_end|) (Euclidean
 * norms): 0 for a variable that never changed, 1 for one that started or ended at zero. A backward
 * kernel that returns zeros (or gradients too small to move a float32 weight) leaves its variables
 * at exactly 0, while the rest of the network still learns and the test error alone may not tell.
 * Call before the first step; `measure` once after the last, before the variables are disposed.
 */
export function trackVariableChange(tf: typeof tfc, variables: Readonly<Record<string, tfc.Variable>>): { measure(): VariableChange; dispose(): void } {
  // clone shares the data until the optimizer assigns a new value, so the snapshot costs no copy.
  const start = Object.fromEntries(Object.entries(variables).map(([name, variable]) => [name, tf.clone(variable)]));
  const dispose = (): void => tf.dispose(Object.values(start));
  return {
    dispose,
    measure() {
      const byVariable: Record<string, number> = {};
      for (const [name, variable] of Object.entries(variables)) {
        const [moved, before, after] = tf.tidy(() => [tf.norm(tf.sub(variable, start[name])), tf.norm(start[name]), tf.norm(variable)].map((t) => t.dataSync()[0]));
        byVariable[name] = before + after === 0 ? 0 : moved / (before + after);
      }
      dispose();
      const [leastName, least] = Object.entries(byVariable).reduce((a, b) => (b[1] < a[1] ? b : a));
      return { least: { value: Number(least.toPrecision(4)), unit: 'relative' }, leastName, byVariable: Object.fromEntries(Object.entries(byVariable).map(([n, v]) => [n, Number(v.toPrecision(4))])) };
    },
  };
}
