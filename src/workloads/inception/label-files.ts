import { existsSync } from 'node:fs';
import path from 'node:path';
import { RequirementError } from '../../util/errors.js';
import type { LabelFileResolver } from './labels.js';

export interface LabelFileSearch {
  modelFile: string;
  sidecarFile: string;
  /** The imagenet-labels dataset's files by key (absolute paths), when staged. */
  datasetFiles: Readonly<Record<string, string>>;
}

/** Label files named in a sidecar: an absolute path, else beside the model, beside the sidecar, then the dataset. */
export function createLabelFileResolver(search: LabelFileSearch): LabelFileResolver {
  return async (name) => {
    if (path.isAbsolute(name)) {
      if (existsSync(name)) return name;
      throw new RequirementError(`labels file ${name} does not exist`, { file: name });
    }
    const candidates = [path.join(path.dirname(search.modelFile), name), path.join(path.dirname(search.sidecarFile), name)];
    const found = candidates.find((candidate) => existsSync(candidate)) ?? Object.values(search.datasetFiles).find((file) => path.basename(file) === name);
    if (found) return found;
    throw new RequirementError(`labels file ${name} not found`, {
      expected: `${name} in ${[...candidates.map((c) => path.dirname(c)), 'the imagenet-labels dataset'].join(', ')}`,
      fix: ['mlcheck datasets fetch imagenet-labels', `or copy ${name} beside the model`],
    });
  };
}
