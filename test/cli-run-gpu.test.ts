import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFakeDrivers, type FakeDriverDirs } from './fake-nvidia/harness.js';
import { kernelLogFixture } from './helpers/fake-node.js';
import { cliPath } from './helpers/paths.js';

let dirs: FakeDriverDirs;
beforeAll(() => {
  dirs = buildFakeDrivers();
});

describe('mlcheck run on a node with an NVIDIA GPU', () => {
  it('plans the GPU backends instead of quietly falling back to the CPU, and says why each cannot run', () => {
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-gpu-run-'));
    const result = spawnSync(process.execPath, [cliPath, 'run', 'hello', '--out', outDir], {
      encoding: 'utf8',
      // A readable kernel log: an unread one would make the run undecided for that reason first.
      env: { ...process.env, LD_LIBRARY_PATH: dirs.both, MLCHECK_FAKE_GPUS: 'modern', MLCHECK_KMSG: kernelLogFixture('no-xid.log') },
      timeout: 120_000,
    });
    const report = JSON.parse(readFileSync(path.join(outDir, 'report.json'), 'utf8'));
    const cases = report.cases as Array<{ id: string; outcome: string; reason: string | null }>;
    expect(cases.map((c) => c.id)).toEqual(['hello/tfjs/tensorflow-gpu', 'hello/onnx/cuda']);
    for (const c of cases) {
      expect(c.outcome, c.id).toBe('skip');
      expect(c.reason, c.id).toBeTruthy();
    }
    expect(cases[0]!.reason).toMatch(/@tensorflow\/tfjs-node-gpu/);
    expect(cases[1]!.reason).toMatch(/cuda/i);
    // Nothing ran on the GPU: undecided, never a pass and never a drain.
    expect(result.status).toBe(3);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toMatch(/^mlcheck: UNDECIDED no case ran/);
  });
});
