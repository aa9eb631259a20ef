import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { packageRoot } from '../util/package-info.js';
import { UsageError } from '../util/errors.js';
import { PROFILE_IDS, type ParamValue, type ProfileId } from '../workloads/types.js';
import type { Threshold } from './types.js';

export interface WorkloadProfile {
  params: Record<string, ParamValue>;
  thresholds: Record<string, Threshold>;
  timeoutSeconds: number | null;
}

export interface ProfileFile {
  file: string;
  profiles: Record<ProfileId, { description: string; workloads: Record<string, WorkloadProfile> }>;
}

export const defaultProfilesFile = (): string => path.join(packageRoot, 'references', 'profiles.yaml');

/** Reads and validates references/profiles.yaml; every mistake names the file and the key path. */
export function loadProfiles(file: string = defaultProfilesFile()): ProfileFile {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read profile file ${file}: ${(error as Error).message}`, { file, cause: error });
  }
  const fail = (where: string, expected: string, found: unknown): never => {
    throw new UsageError(`invalid profile file ${file} at ${where}`, { file, expected, found: JSON.stringify(found) });
  };
  if (!isRecord(raw) || !isRecord(raw.profiles)) return fail('profiles', 'a mapping of profile names', raw);
  const result = {} as ProfileFile['profiles'];
  for (const id of PROFILE_IDS) {
    const profile = raw.profiles[id];
    if (!isRecord(profile)) return fail(`profiles.${id}`, 'a mapping', profile);
    const workloads: Record<string, WorkloadProfile> = {};
    const rawWorkloads = profile.workloads ?? {};
    if (!isRecord(rawWorkloads)) return fail(`profiles.${id}.workloads`, 'a mapping of workload ids', rawWorkloads);
    for (const [workload, entry] of Object.entries(rawWorkloads)) {
      const at = `profiles.${id}.workloads.${workload}`;
      if (!isRecord(entry)) return fail(at, 'a mapping with params, thresholds, timeoutSeconds', entry);
      const params = entry.params ?? {};
      if (!isRecord(params) || !Object.values(params).every(isParamValue)) return fail(`${at}.params`, 'a mapping of numbers, strings or booleans', params);
      const thresholds: Record<string, Threshold> = {};
      const rawThresholds = entry.thresholds ?? {};
      if (!isRecord(rawThresholds)) return fail(`${at}.thresholds`, 'a mapping of metric names', rawThresholds);
      for (const [metric, limit] of Object.entries(rawThresholds)) {
        if (!isRecord(limit) || (limit.min === undefined && limit.max === undefined)) return fail(`${at}.thresholds.${metric}`, '{min: number} and/or {max: number}', limit);
        for (const bound of ['min', 'max'] as const) {
          if (limit[bound] !== undefined && typeof limit[bound] !== 'number') return fail(`${at}.thresholds.${metric}.${bound}`, 'a number', limit[bound]);
        }
        thresholds[metric] = { ...(limit.min !== undefined && { min: limit.min as number }), ...(limit.max !== undefined && { max: limit.max as number }) };
      }
      const timeout = entry.timeoutSeconds ?? null;
      if (timeout !== null && (typeof timeout !== 'number' || !(timeout > 0))) return fail(`${at}.timeoutSeconds`, 'a positive number of seconds', timeout);
      workloads[workload] = { params: params as Record<string, ParamValue>, thresholds, timeoutSeconds: timeout };
    }
    result[id] = { description: typeof profile.description === 'string' ? profile.description : '', workloads };
  }
  return { file, profiles: result };
}

export function workloadProfile(file: ProfileFile, profile: ProfileId, workload: string): WorkloadProfile {
  return file.profiles[profile].workloads[workload] ?? { params: {}, thresholds: {}, timeoutSeconds: null };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isParamValue(value: unknown): value is ParamValue {
  return typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean';
}
