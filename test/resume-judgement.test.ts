/**
 * --resume judges the cases it still runs with the judgement planned with the run (kept in
 * run.json), not with the profiles or node references as they are when it resumes: one run,
 * one set of thresholds and references. Through the real runner, each case in its own process.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNodeReferences } from '../src/references/node-references.js';
import { loadProfiles, type ProfileFile } from '../src/references/profiles.js';
import { resumeRun, runPlan } from '../src/runner/run.js';
import { fixtureWorkload } from './helpers/paths.js';

/** The shipped profiles with fixture-sleep's slept_s threshold set to `max`. */
function profilesWith(max: number): ProfileFile {
  const profiles = loadProfiles();
  profiles.profiles.quick.workloads['fixture-sleep'] = { params: {}, thresholds: { slept_s: { max } }, timeoutSeconds: null };
  return profiles;
}

describe('--resume judges with what was planned', () => {
  it('keeps the planned thresholds and node references for the cases it runs, whatever the files say at resume', async () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-resume-judgement-'));
    const planned = await runPlan({
      workloads: ['fixture-sleep'],
      extraWorkloadModules: [fixtureWorkload('sleep')],
      engines: ['tfjs'],
      backends: ['cpu'],
      profile: 'quick',
      seed: 1,
      outDir,
      probe: null,
      commandLine: ['test'],
      profiles: profilesWith(10),
    });
    expect(planned.cases.map((c) => c.outcome)).toEqual(['pass']);
    // As if the run had been interrupted before its case ended.
    for (const file of readdirSync(path.join(outDir, 'cases'))) rmSync(path.join(outDir, 'cases', file));

    // By resume time the threshold is one the case misses, and a node class has a reference it misses.
    const nodeClass = parseNodeReferences(
      "schemaVersion: 1\nnodeClasses:\n  - id: cpu-any\n    match: { cpu: '.' }\n    references:\n      quick:\n        fixture-sleep/tfjs: { slept_s: { value: 100, lower: -0.05, upper: 0.05, unit: s } }\n",
      'nodes-test.yaml',
    ).nodeClasses[0]!;
    const resumed = await resumeRun(outDir, { probe: null, commandLine: ['test'], profiles: profilesWith(0.01), nodeClass });
    const [c] = resumed.cases;
    expect(c).toMatchObject({ id: 'fixture-sleep/tfjs/cpu', outcome: 'pass', reason: null });
    expect(c!.metrics.slept_s).toMatchObject({ threshold: { max: 10 }, reference: null, verdict: 'pass' });
  });
});
