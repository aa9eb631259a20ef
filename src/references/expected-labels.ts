import path from 'node:path';
import { UsageError } from '../util/errors.js';
import { packageRoot } from '../util/package-info.js';
import { readConfigFile } from '../util/schema-check.js';
import type { ExpectedLabel, ProfileId } from '../workloads/types.js';

export const defaultExpectedLabelsFile = (): string => path.join(packageRoot, 'references', 'expected-labels.yaml');

/** expected-labels.yaml as written; the schema has checked every key. */
interface ExpectedLabelsDocument {
  profiles: Partial<Record<ProfileId, { image: string; top1: string | string[]; minScore?: number | Record<string, number> }[]>>;
}

/** What an image classification must answer in a profile (schema/expected-labels.schema.json). */
export function loadExpectedLabels(profile: ProfileId, file: string = defaultExpectedLabelsFile()): ExpectedLabel[] {
  const document = readConfigFile<ExpectedLabelsDocument>(file, { schema: 'expected-labels', what: 'expected-labels file' });
  const entries = document.profiles[profile];
  if (entries === undefined) throw new UsageError(`${file} has no list of expected labels for profile ${profile}`, { file, expected: `profiles.${profile}: [{image, top1, minScore}]`, fix: `add profiles.${profile} to ${file}` });
  return entries.map((entry) => ({
    image: entry.image,
    top1: typeof entry.top1 === 'string' ? [entry.top1] : entry.top1,
    minScore: typeof entry.minScore === 'number' ? entry.minScore : 0,
    ...(typeof entry.minScore === 'object' && { minScoreByModel: { ...entry.minScore } }),
  }));
}
