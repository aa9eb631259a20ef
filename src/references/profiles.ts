import path from 'node:path';
import { packageRoot } from '../util/package-info.js';
import { readConfigFile } from '../util/schema-check.js';
import type { ParamValue, ProfileId } from '../workloads/types.js';
import type { Threshold } from './results.js';

export interface WorkloadProfile {
  params: Record<string, ParamValue>;
  thresholds: Record<string, Threshold>;
  timeoutSeconds: number | null;
}

export interface ProfileFile {
  file: string;
  profiles: Record<ProfileId, { description: string; workloads: Record<string, WorkloadProfile>; concurrentCases: number }>;
}

/** profiles.yaml as written; the schema has checked every key. */
interface ProfilesDocument {
  profiles: Record<ProfileId, { description?: string; workloads?: Record<string, Partial<WorkloadProfile>>; concurrentCases?: number }>;
}

export const defaultProfilesFile = (): string => path.join(packageRoot, 'references', 'profiles.yaml');

/** Reads and checks references/profiles.yaml (schema/profiles.schema.json); a mistake names the file and the key path. */
export function loadProfiles(file: string = defaultProfilesFile()): ProfileFile {
  const document = readConfigFile<ProfilesDocument>(file, { schema: 'profiles', what: 'profile file' });
  const profiles = Object.fromEntries(
    Object.entries(document.profiles).map(([id, profile]) => [
      id,
      {
        description: profile.description ?? '',
        concurrentCases: profile.concurrentCases ?? 1,
        workloads: Object.fromEntries(
          Object.entries(profile.workloads ?? {}).map(([workload, entry]) => [workload, { params: entry.params ?? {}, thresholds: entry.thresholds ?? {}, timeoutSeconds: entry.timeoutSeconds ?? null }]),
        ),
      },
    ]),
  ) as ProfileFile['profiles'];
  return { file, profiles };
}

export function workloadProfile(file: ProfileFile, profile: ProfileId, workload: string): WorkloadProfile {
  return file.profiles[profile].workloads[workload] ?? { params: {}, thresholds: {}, timeoutSeconds: null };
}
