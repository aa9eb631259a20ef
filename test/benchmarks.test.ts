/**
 * Every benchmark runs here in smoke mode (a few iterations, through `npm run bench`'s runner), so
 * that a refactor that breaks one fails the suite. No timing is asserted: this machine is shared.
 */
import { mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCHMARKS } from '../benchmarks/list.mjs';
import { repoRoot } from './helpers/paths.js';
import { runNode } from './helpers/run-process.js';

describe('benchmarks in smoke mode', () => {
  const results = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-bench-smoke-'));

  it.each(BENCHMARKS.map((b) => ({ name: b.name, format: b.format })))('$name runs and writes its result', async ({ name, format }) => {
    const run = await runNode(path.join(repoRoot, 'benchmarks', 'run-all.mjs'), ['--smoke', '--only', name, '--results', results], { timeoutMs: 600_000 });
    expect({ status: run.status, output: run.status === 0 ? '' : `${run.stdout}\n${run.stderr}` }).toEqual({ status: 0, output: '' });
    expect(run.stdout).toContain(`${name}: done in`);
    expect(statSync(path.join(results, `${name}.${format}`)).size).toBeGreaterThan(0);
  }, 600_000);
});
