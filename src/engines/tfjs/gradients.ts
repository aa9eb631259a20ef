import type * as tfc from '@tensorflow/tfjs-core';
import { RequirementError } from '../../util/errors.js';
import { errorMessage, importOptional } from './optional-package.js';

/**
 * tfjs-core's Node build ships no gradient functions: they are registered by the union package
 * @tensorflow/tfjs (which tfjs-node also loads), so training needs it on every backend. It uses
 * the same tfjs-core copy when the versions match (npm deduplicates them).
 */
export async function ensureGradients(tf: typeof tfc): Promise<void> {
  if (tf.getGradient('Conv2D') !== undefined) return;
  try {
    await importOptional('@tensorflow/tfjs');
  } catch (error) {
    throw new RequirementError(`@tensorflow/tfjs (tfjs-core's gradient functions) failed to load: ${errorMessage(error).split('\n')[0]}`, {
      fix: `npm install @tensorflow/tfjs@${tf.version_core}`,
      cause: error,
    });
  }
  if (tf.getGradient('Conv2D') === undefined) {
    throw new RequirementError(`@tensorflow/tfjs registered its gradients on a second copy of @tensorflow/tfjs-core; mlcheck uses ${tf.version_core}`, {
      fix: `npm install @tensorflow/tfjs@${tf.version_core} && npm dedupe`,
    });
  }
}
