import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '../../util/errors.js';
import { packageRoot } from '../../util/package-info.js';
import type { ProfileId } from '../types.js';

/** One acceptance check: the image's top-1 must be one of `top1` (short or full names), with score >= minScore. */
export interface ExpectedLabel {
  /** File key in the imagenet-images dataset (e.g. "panda"). */
  image: string;
  top1: readonly string[];
  minScore: number;
}

export const defaultExpectedLabelsFile = (): string => path.join(packageRoot, 'references', 'expected-labels.yaml');

export function loadExpectedLabels(profile: ProfileId, file: string = defaultExpectedLabelsFile()): ExpectedLabel[] {
  let raw: { profiles?: Record<string, unknown> };
  try {
    raw = parse(readFileSync(file, 'utf8')) as typeof raw;
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`, { file, cause: error });
  }
  const entries = raw?.profiles?.[profile];
  if (!Array.isArray(entries)) throw new UsageError(`${file} has no list of expected labels for profile ${profile}`, { file, expected: `profiles.${profile}: [{image, top1, minScore}]` });
  return entries.map((entry: Record<string, unknown>, index) => {
    const at = `profiles.${profile}[${index}]`;
    const top1 = typeof entry.top1 === 'string' ? [entry.top1] : entry.top1;
    if (typeof entry.image !== 'string' || !Array.isArray(top1) || top1.length === 0 || (entry.minScore !== undefined && typeof entry.minScore !== 'number')) {
      throw new UsageError(`invalid expected label in ${file} at ${at}`, { file, expected: '{image: <file key>, top1: [names], minScore?: number}', found: JSON.stringify(entry) });
    }
    return { image: entry.image, top1: top1.map(String), minScore: (entry.minScore as number | undefined) ?? 0 };
  });
}

/** True when the label (e.g. "giant panda, panda, panda bear, ...") is one of the expected names. */
export function labelMatches(label: string, expected: readonly string[]): boolean {
  const names = label.split(',').map((n) => n.trim().toLowerCase());
  return expected.some((e) => names.includes(e.trim().toLowerCase()) || label.trim().toLowerCase() === e.trim().toLowerCase());
}
