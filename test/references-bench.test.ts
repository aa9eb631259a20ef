import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findNodeClass } from '../src/references/node-class.js';
import { loadNodeReferences } from '../src/references/node-references.js';
import { validateReport } from '../src/report/index.js';
import { cliPath, sharedDataDir } from './helpers/paths.js';

const model = path.join(sharedDataDir, 'imagenet', 'mobilenet_v2_1.0_224.onnx');
const bench = (...args: string[]) => {
  const run = spawnSync(process.execPath, [cliPath, 'bench', 'inception', '--data-dir', sharedDataDir, '--model', model, '--node-class', 'test-node', ...args], { encoding: 'utf8', timeout: 300_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
};

describe('mlcheck bench', () => {
  it('saves the median of N runs as a reference, then judges against it (a missed reference fails with --strict)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-bench-'));
    const saved = path.join(dir, 'nodes.yaml');
    const first = bench('--repeat', '2', '--out', path.join(dir, 'b1'), '--save-reference', saved);
    expect({ status: first.status, stderr: first.status === 0 ? '' : first.stderr }).toEqual({ status: 0, stderr: '' });
    expect(first.stderr).toMatch(/saved \d+ references \(median of 2, tolerance ±25%\) for node class test-node, profile quick/);
    const file = loadNodeReferences(saved);
    const entry = findNodeClass(file, 'test-node').references.quick?.['inception@mobilenet_v2_1.0_224.onnx/onnx/cpu'];
    expect(entry?.throughput_images_per_s).toMatchObject({ lower: -0.25, upper: 0.25, unit: 'images/s' });
    expect(entry?.top1_score).toBeUndefined();
    const firstReport = JSON.parse(readFileSync(path.join(dir, 'b1', 'report.json'), 'utf8')) as { cases: { details: { bench: { samples: Record<string, number[]> } }; metrics: Record<string, { value: number }> }[] };
    const samples = firstReport.cases[0]!.details.bench.samples.throughput_images_per_s!;
    expect(samples).toHaveLength(2);
    expect(entry!.throughput_images_per_s!.value).toBeCloseTo((samples[0]! + samples[1]!) / 2, 1);

    // Timings are noisy: open every bound, then make one reference a node cannot reach.
    const opened = readFileSync(saved, 'utf8').replaceAll('lower: -0.25, upper: 0.25', 'lower: null, upper: null');
    writeFileSync(saved, opened.replace(/throughput_images_per_s: \{ value: [0-9.]+, lower: null/, 'throughput_images_per_s: { value: 1000000, lower: -0.25'));
    const strict = bench('--repeat', '1', '--out', path.join(dir, 'b2'), '--references', saved, '--strict', '--json', path.join(dir, 'b2.json'));
    expect(strict.status).toBe(1);
    expect(strict.stdout.trimEnd().split('\n').at(-1)).toMatch(/^mlcheck: FAIL inception\/onnx throughput images per s .* from the test-node reference 1000000/);
    const result = validateReport(JSON.parse(readFileSync(path.join(dir, 'b2.json'), 'utf8')));
    expect(result.valid ? [] : result.errors).toEqual([]);
    if (!result.valid) return;
    expect(result.report.cases[0]!.metrics.throughput_images_per_s).toMatchObject({ reference: { value: 1000000, lower: -0.25, upper: null }, verdict: 'fail' });
    expect(result.report.cases[0]!.outcome).toBe('fail');
    expect(result.report.cases[0]!.metrics.latency_ms_median).toMatchObject({ reference: { lower: null, upper: null }, verdict: 'pass' });
  });

  it('refuses an unknown node class with exit 2', () => {
    const run = spawnSync(process.execPath, [cliPath, 'bench', '--node-class', 'no-such-class'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('no node class "no-such-class"');
  });
});
