import path from 'node:path';
import { packageRoot } from '../util/package-info.js';
import { readConfigFile, throwConfigProblem, type ConfigFileKind } from '../util/schema-check.js';

/** references/gpu-health.yaml: how many retired pages and remapped rows warn or fail gpu-memory. */
export interface HealthThresholds {
  retiredPages: { warnAt: number; failAt: number; source: string };
  remappedRows: { warnAt: number; source: string };
}

const KIND: ConfigFileKind = { schema: 'gpu-health', what: 'GPU health threshold file' };

export const defaultHealthThresholdsFile = (): string => path.join(packageRoot, 'references', 'gpu-health.yaml');

const cache = new Map<string, HealthThresholds>();

export function loadHealthThresholds(file: string = defaultHealthThresholdsFile()): HealthThresholds {
  const cached = cache.get(file);
  if (cached !== undefined) return cached;
  const document = readConfigFile<HealthThresholds>(file, KIND);
  if (document.retiredPages.failAt < document.retiredPages.warnAt) {
    throwConfigProblem(file, KIND, { path: 'retiredPages.failAt', expected: `a number >= retiredPages.warnAt (${document.retiredPages.warnAt})`, found: String(document.retiredPages.failAt) });
  }
  const thresholds: HealthThresholds = { retiredPages: document.retiredPages, remappedRows: document.remappedRows };
  cache.set(file, thresholds);
  return thresholds;
}
