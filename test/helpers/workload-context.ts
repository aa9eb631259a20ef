import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDataAccess } from '../../src/datasets/index.js';
import type { ParamValue, Progress, Workload, WorkloadContext } from '../../src/workloads/types.js';
import { sharedDataDir } from './paths.js';

/** A context for calling a workload directly: the shared test data through --data-dir, a fresh out dir. */
export function workloadContext(workload: Workload, params: Record<string, ParamValue> = {}, overrides: Partial<WorkloadContext> = {}): WorkloadContext & { events: Progress[] } {
  const events: Progress[] = [];
  return {
    profile: 'quick',
    seed: 1,
    params: { ...workload.defaults, ...params },
    data: createDataAccess({ dataDir: sharedDataDir, download: false }),
    outDir: mkdtempSync(path.join(os.tmpdir(), `mlcheck-${workload.id}-`)),
    signal: new AbortController().signal,
    progress: (event) => events.push(event),
    events,
    ...overrides,
  };
}
