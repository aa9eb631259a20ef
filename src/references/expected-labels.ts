import path from 'node:path';
import { UsageError } from '../util/errors.js';
import { packageRoot } from '../util/package-info.js';
import { readConfigFile } from '../util/schema-check.js';
import type { ImageClassifications, Measurement, ProfileId, RankedLabel } from '../workloads/types.js';

export const defaultExpectedLabelsFile = (): string => path.join(packageRoot, 'references', 'expected-labels.yaml');

/** One acceptance check of an image classifier: the image's top-1 must be one of `top1` (short or full names), with score >= the model's minimum. */
export interface ExpectedLabel {
  /** File key in the imagenet-images dataset (e.g. "panda"). */
  image: string;
  top1: readonly string[];
  /** The lowest accepted top-1 score for a model without its own (0: any score). */
  minScore: number;
  /** The lowest accepted top-1 score per model id (the sidecar's id), e.g. {inception_v3_2015_12_05: 0.85}. */
  minScoreByModel?: Readonly<Record<string, number>>;
}

/** expected-labels.yaml, read and checked: the labels per profile. */
export interface ExpectedLabelsFile {
  file: string;
  profiles: Partial<Record<ProfileId, ExpectedLabel[]>>;
}

/** expected-labels.yaml as written; the schema has checked every key. */
interface ExpectedLabelsDocument {
  profiles: Partial<Record<ProfileId, { image: string; top1: string | string[]; minScore?: number | Record<string, number> }[]>>;
}

/** Reads and checks an expected-labels file (schema/expected-labels.schema.json); a mistake names the file and the key path. */
export function loadExpectedLabelsFile(file: string = defaultExpectedLabelsFile()): ExpectedLabelsFile {
  const document = readConfigFile<ExpectedLabelsDocument>(file, { schema: 'expected-labels', what: 'expected-labels file' });
  const profiles = Object.fromEntries(
    Object.entries(document.profiles).map(([profile, entries]) => [
      profile,
      (entries ?? []).map((entry) => ({
        image: entry.image,
        top1: typeof entry.top1 === 'string' ? [entry.top1] : entry.top1,
        minScore: typeof entry.minScore === 'number' ? entry.minScore : 0,
        ...(typeof entry.minScore === 'object' && { minScoreByModel: { ...entry.minScore } }),
      })),
    ]),
  ) as ExpectedLabelsFile['profiles'];
  return { file, profiles };
}

/** What an image classification must answer in a profile; a profile the file has no list for is a usage error. */
export function expectedLabelsFor(labels: ExpectedLabelsFile, profile: ProfileId): ExpectedLabel[] {
  const entries = labels.profiles[profile];
  const file = labels.file;
  if (entries === undefined) throw new UsageError(`${file} has no list of expected labels for profile ${profile}`, { file, expected: `profiles.${profile}: [{image, top1, minScore}]`, fix: `add profiles.${profile} to ${file}` });
  return entries;
}

/** What an image classification must answer in a profile (schema/expected-labels.schema.json). */
export function loadExpectedLabels(profile: ProfileId, file: string = defaultExpectedLabelsFile()): ExpectedLabel[] {
  return expectedLabelsFor(loadExpectedLabelsFile(file), profile);
}

/**
 * The lowest accepted top-1 score for the model that ran (its sidecar id): each model scores
 * differently (Inception-v3 0.89107 on the panda, MobileNetV2 0.984), so its own entry wins over
 * the one for every model; 0 leaves the decision to the label alone.
 */
export function minScoreFor(expectation: ExpectedLabel, modelId: string): number {
  return expectation.minScoreByModel?.[modelId] ?? expectation.minScore;
}

/** True when the label (e.g. "giant panda, panda, panda bear, ...") is one of the expected names. */
export function labelMatches(label: string, expected: readonly string[]): boolean {
  const names = label.split(',').map((n) => n.trim().toLowerCase());
  return expected.some((e) => names.includes(e.trim().toLowerCase()) || label.trim().toLowerCase() === e.trim().toLowerCase());
}

/** One image's answer against its expected labels, as the report shows it (details.predictions). */
export interface JudgedPrediction {
  image: string;
  file?: string;
  expected: readonly string[];
  minScore: number;
  passed: boolean;
  top5: RankedLabel[];
}

export interface LabelJudgement {
  /** expected_labels_missed: the images whose top-1 is not an expected label or scores below the model's floor. */
  metrics: Record<string, Measurement>;
  /** The workload's lines, with "  expected top-1: ..." after each missed image's answers. */
  lines: string[];
  /** predictions (one per expected label) and, when any image was missed, missed (one line each). */
  details: { predictions: JudgedPrediction[]; missed?: string[] };
}

/**
 * The one label check: each expected label's image must have, as its top-1, one of the expected
 * names with at least the model's score floor. An expected image the classifier gave no answer
 * for is missed.
 */
export function judgeExpectedLabels(classified: ImageClassifications, expectations: readonly ExpectedLabel[], lines: readonly string[] = []): LabelJudgement {
  const predictions = expectations.map((expectation): JudgedPrediction & { linesEnd?: number } => {
    const answer = classified.images.find((candidate) => candidate.image === expectation.image);
    const top5 = answer?.top5 ?? [];
    const best = top5[0];
    const minScore = minScoreFor(expectation, classified.modelId);
    const passed = best !== undefined && labelMatches(best.label, expectation.top1) && best.score >= minScore;
    return { image: expectation.image, ...(answer?.file !== undefined && { file: answer.file }), expected: expectation.top1, minScore, passed, top5, ...(answer?.linesEnd !== undefined && { linesEnd: answer.linesEnd }) };
  });
  const missed = predictions.filter((p) => !p.passed);
  const notes = new Map<number, string[]>();
  for (const p of missed) {
    if (p.linesEnd === undefined) continue;
    notes.set(p.linesEnd, [...(notes.get(p.linesEnd) ?? []), `  expected top-1: ${p.expected.join(' | ')}${p.minScore ? ` with score >= ${p.minScore} (${classified.modelId})` : ''}`]);
  }
  const noted = lines.flatMap((line, index) => [...(notes.get(index) ?? []), line]);
  for (const [at, texts] of [...notes].sort(([a], [b]) => a - b)) if (at >= lines.length) noted.push(...texts);
  return {
    metrics: { expected_labels_missed: { value: missed.length, unit: 'images' } },
    lines: noted,
    details: {
      predictions: predictions.map(({ linesEnd: _, ...prediction }) => prediction),
      ...(missed.length > 0 && { missed: missed.map(missedLine) }),
    },
  };
}

function missedLine(p: JudgedPrediction): string {
  const best = p.top5[0];
  const answer = best === undefined ? 'none' : `${shortName(best.label)} ${best.score.toFixed(5)}`;
  return `${p.image}: top-1 ${answer}, expected ${p.expected.join(' | ')}${p.minScore ? ` >= ${p.minScore}` : ''}`;
}

/** "giant panda, panda, panda bear, ..." -> "giant panda": the name the manual prints. */
function shortName(label: string): string {
  return label.split(',')[0]!.trim();
}
