// What running a case in its own process costs, with the workload left out: fork, loading the
// engine (tfjs, cpu backend), the IPC messages and the teardown, around a workload that does nothing.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bench, describe } from 'vitest';
import { runIsolated } from '../../src/runner/isolate.js';
import type { CaseSpec } from '../../src/runner/types.js';
import { benchOptions } from './options.js';

const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-bench-isolated-'));
const spec: CaseSpec = {
  id: 'bench-noop/tfjs/cpu',
  workload: 'bench-noop',
  engine: 'tfjs',
  backend: 'cpu',
  profile: 'quick',
  seed: 1,
  params: {},
  timeoutSeconds: 120,
  threads: 1,
  outDir,
  workloadModule: fileURLToPath(new URL('./noop-workload.mjs', import.meta.url)),
};

describe('an isolated case', () => {
  bench('fork + engine set-up + a no-op workload + teardown', async () => {
    const result = await runIsolated(spec);
    if (result.outcome.kind !== 'done') throw new Error(`the no-op case did not finish: ${JSON.stringify(result.outcome)}`);
  }, benchOptions);
});
