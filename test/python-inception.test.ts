import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, sharedDataDir } from './helpers/paths.js';
import { debianPython, runCli } from './helpers/python-env.js';

/**
 * A TorchScript "classifier" whose logits favour giant panda (line 390 of imagenet_labels.txt)
 * whatever the image: no real ImageNet model exists as TorchScript here (the test model is ONNX),
 * so this proves the plumbing (preprocessing, the model on the device, labels, expected labels,
 * timings), not classification.
 */
const MAKE_MODEL = `
import sys, torch
class Fixed(torch.nn.Module):
    def __init__(self):
        super().__init__()
        bias = torch.zeros(1001)
        bias[389] = 10.0
        self.bias = torch.nn.Parameter(bias)
    def forward(self, x):
        return self.bias.expand(x.shape[0], -1) + 0.0 * x.mean()
torch.jit.script(Fixed()).save(sys.argv[1])
`;

async function run(args: string[]) {
  const outDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlcheck-python-inception-')), 'run');
  const result = await runCli(cliPath, ['run', 'inception', '--engine', 'python', '--python', debianPython, '--data-dir', sharedDataDir, '--no-probe', '--out', outDir, ...args]);
  const report = JSON.parse(readFileSync(path.join(outDir, 'report.json'), 'utf8')) as { cases: { id: string; outcome: string; reason: string | null; metrics: Record<string, { value: number }>; lines: string[] }[] };
  return { status: result.status, cases: report.cases };
}

describe('inception on the python engine', () => {
  it('skips on PyTorch without a TorchScript --model, saying what to give it', async () => {
    const { cases } = await run([]);
    expect(cases[0]!.id).toBe('inception/python/pytorch-cpu');
    expect(cases[0]!.outcome).toBe('skip');
    expect(cases[0]!.reason).toMatch(/inception on PyTorch needs an ImageNet classifier as TorchScript/);
  }, 300_000);

  it('runs a TorchScript classifier with its sidecar on the device and judges its top-1 by the expected labels', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-torchscript-'));
    const model = path.join(dir, 'fixed.pt');
    // torch.jit.script reads the class's source, so the script must be a file.
    const script = path.join(dir, 'make_model.py');
    writeFileSync(script, MAKE_MODEL);
    const made = spawnSync(debianPython, [script, model], { encoding: 'utf8' });
    expect(made.stderr).not.toMatch(/Error/);
    const sidecar = readFileSync(path.join(path.dirname(cliPath), '..', 'models', 'mobilenet_v2_1.0_224.yaml'), 'utf8')
      .replace(/^id: .*$/m, 'id: fixed-panda')
      .replace(/^(\s+kind:) softmax$/m, '$1 logits')
      .replace(/^(\s+layout:) NHWC$/m, '$1 NCHW');
    writeFileSync(`${model}.yaml`, sidecar);
    const { cases, status } = await run(['--model', model]);
    const [inception] = cases;
    expect(inception!.outcome, inception!.reason ?? '').toBe('pass');
    expect(status).toBe(0);
    expect(inception!.metrics.expected_labels_missed!.value).toBe(0);
    expect(inception!.metrics.top1_score!.value).toBeCloseTo(Math.exp(10) / (Math.exp(10) + 1000), 4);
    expect(inception!.metrics.ran_on_requested_device!.value).toBe(1);
    expect(inception!.lines).toContain('giant panda (score = 0.95657)');
  }, 300_000);
});
