import type { ImageClassifications, Measurement } from '../types.js';
import { median } from '../../util/statistics.js';
import type { InstalledWorkload } from './examples.js';

/** What a script's printed results give, in the metric names the profiles judge. */
export interface ParsedResults {
  metrics: Record<string, Measurement>;
  /** The threshold metrics the script does not print, with why. */
  unmeasured: Record<string, string>;
  /** The line that must be there (e.g. `Test error: 0.8%`) when it is not, else null. */
  missing: string | null;
  details: Record<string, unknown>;
  /** classify_image.py: its top-5 per image, for the runner to judge. */
  classifications?: ImageClassifications;
}

const number = (text: string | undefined): number => Number.parseFloat(text ?? 'NaN');
const matches = (lines: readonly string[], pattern: RegExp): RegExpExecArray[] => lines.map((line) => pattern.exec(line.trim())).filter((m): m is RegExpExecArray => m !== null);

/** convolutional.py: `Step N (epoch E), T ms`, `Minibatch loss: L, learning rate: R`, `Validation error: V%`, `Test error: X%`. */
export function parseConvolutional(lines: readonly string[]): ParsedResults {
  const test = matches(lines, /^Test error: ([\d.]+)%/).at(-1);
  const validation = matches(lines, /^Validation error: ([\d.]+)%/).at(-1);
  const loss = matches(lines, /^Minibatch loss: ([\d.]+), learning rate: ([\d.]+)/).at(-1);
  const steps = matches(lines, /^Step (\d+) \(epoch ([\d.]+)\), ([\d.]+) ms/);
  const metrics: Record<string, Measurement> = {};
  if (test) metrics.test_error_pct = { value: number(test[1]), unit: '%' };
  if (validation) metrics.validation_error_pct = { value: number(validation[1]), unit: '%' };
  if (loss) metrics.final_minibatch_loss = { value: number(loss[1]), unit: '' };
  if (steps.length > 0) {
    // What the script prints: the time of EVAL_FREQUENCY steps and one validation pass, per step.
    metrics.ms_per_step_reported = { value: median(steps.map((m) => number(m[3]))), unit: 'ms' };
    metrics.steps = { value: number(steps.at(-1)![1]) + 1, unit: 'steps' };
  }
  return {
    metrics,
    unmeasured: { least_variable_change: 'convolutional.py does not print its variables' },
    missing: test ? null : 'Test error: X%',
    details: { printedSteps: steps.length },
  };
}

/** premade_estimator.py: `Test set accuracy: 0.967`, `Prediction is "Setosa" (99.6%), expected "Setosa"`. */
export function parsePremadeEstimator(lines: readonly string[]): ParsedResults {
  const accuracy = matches(lines, /^Test set accuracy: ([\d.]+)/).at(-1);
  const predictions = matches(lines, /^Prediction is "([^"]+)" \(([\d.]+)%\), expected "([^"]+)"/).map((m) => ({ predicted: m[1]!, probability: number(m[2]) / 100, expected: m[3]! }));
  const metrics: Record<string, Measurement> = {};
  if (accuracy) metrics.test_accuracy = { value: number(accuracy[1]), unit: '' };
  if (predictions.length > 0) metrics.predictions_correct = { value: predictions.filter((p) => p.predicted === p.expected).length, unit: `of ${predictions.length}` };
  return {
    metrics,
    unmeasured: { test_loss: 'premade_estimator.py prints accuracy, not the test loss', least_variable_change: 'premade_estimator.py does not print its variables' },
    missing: accuracy ? (predictions.length > 0 ? null : 'Prediction is "..." (P%), expected "..."') : 'Test set accuracy: A',
    details: { predictions },
  };
}

/** vae/main.py: `====> Epoch: N Average loss: L` and `====> Test set loss: T` per epoch. */
export function parseVaeMain(lines: readonly string[]): ParsedResults {
  const test = matches(lines, /^====> Test set loss: ([\d.]+)/);
  const train = matches(lines, /^====> Epoch: (\d+) Average loss: ([\d.]+)/);
  const metrics: Record<string, Measurement> = {};
  if (test.length > 0) metrics.test_loss = { value: number(test.at(-1)![1]), unit: 'nats/image' };
  if (train.length > 0) {
    metrics.train_loss = { value: number(train.at(-1)![2]), unit: 'nats/image' };
    metrics.epochs = { value: train.length, unit: 'epochs' };
  }
  return {
    metrics,
    unmeasured: { least_variable_change: 'vae/main.py does not print its variables' },
    missing: test.length > 0 ? null : '====> Test set loss: T',
    details: { testLossPerEpoch: test.map((m) => number(m[1])) },
  };
}

/** classify_image.py, one run per image (`images`: their keys, in order): five `name, other names (score = 0.89107)` lines, best first. */
export function parseClassifyImage(runs: readonly (readonly string[])[], images: readonly string[], modelId: string): ParsedResults {
  const results = runs.map((lines, i) => ({
    image: images[i]!,
    top5: matches(lines, /^(.+) \(score = ([\d.]+)\)$/).slice(0, 5).map((m) => ({ label: m[1]!, score: number(m[2]) })),
  }));
  const first = results[0]?.top5[0];
  const metrics: Record<string, Measurement> = {};
  if (first) metrics.top1_score = { value: first.score, unit: '' };
  return {
    metrics,
    unmeasured: { ran_on_requested_device: 'classify_image.py does not say where its ops ran (opening the framework proved it sees the device)' },
    missing: results.every((r) => r.top5.length > 0) ? null : 'name (score = S)',
    details: {},
    classifications: { modelId, images: results },
  };
}

export function parseExample(workload: Exclude<InstalledWorkload, 'inception'>, lines: readonly string[]): ParsedResults {
  switch (workload) {
    case 'lenet':
      return parseConvolutional(lines);
    case 'iris':
      return parsePremadeEstimator(lines);
    case 'vae':
      return parseVaeMain(lines);
  }
}
