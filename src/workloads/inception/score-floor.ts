import type { ExpectedLabel } from '../types.js';

/**
 * The lowest accepted top-1 score for the model that ran (its sidecar id): each model scores
 * differently (Inception-v3 0.89107 on the panda, MobileNetV2 0.984), so its own entry wins over
 * the one for every model; 0 leaves the decision to the label alone.
 */
export function minScoreFor(expectation: ExpectedLabel, modelId: string): number {
  return expectation.minScoreByModel?.[modelId] ?? expectation.minScore;
}
