/**
 * The python kits' GPU logic, run on Debian's CPU-only PyTorch (no GPU here): the first CUDA op
 * of open_framework and hello's MatMul per device take the devices as torch.device objects, so the
 * same code runs on [cpu, cpu] and on a device that cannot compute (PyTorch's `meta` device, which
 * refuses to hand back a value as a failing GPU does). The CUDA path itself runs only on a GPU node.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/paths.js';
import { debianPython } from './helpers/python-env.js';

const SCRIPT = `
import json, sys, tempfile
sys.path.insert(0, sys.argv[1])
import numpy as np
import torch
from mlcheck_kits.context import KitContext, OpenedFramework
from mlcheck_kits.pytorch import first_cuda_op, hello

cpu = torch.device('cpu')
found = dict(healthy=first_cuda_op(torch, [cpu, cpu]), broken=first_cuda_op(torch, [cpu, torch.device('meta')]))
folder = tempfile.mkdtemp()
rng = np.random.RandomState(1)
a = rng.uniform(-1, 1, (4, 3)).astype('<f4')
b = rng.uniform(-1, 1, (3, 5)).astype('<f4')
a.tofile(folder + '/a')
b.tofile(folder + '/b')
outs = [folder + '/product0', folder + '/product1']
opened = OpenedFramework(torch, 'cuda', cpu, {}, [cpu, cpu])
request = dict(params=dict(a=10, b=32), inputs=dict(matmul=dict(rows=4, inner=3, columns=5, a=folder + '/a', b=folder + '/b', outs=outs)))
found['runs'] = hello.run(KitContext(opened, request, lambda event: None))['runs']
found['products'] = [np.fromfile(out, dtype='<f4').tolist() for out in outs]
found['reference'] = (a.astype('f8') @ b.astype('f8')).ravel().tolist()
try:
    hello.run(KitContext(opened, dict(request, inputs=dict(matmul=dict(request['inputs']['matmul'], outs=outs[:1]))), lambda event: None))
except ValueError as e:
    found['mismatch'] = str(e)
print(json.dumps(found))
`;

describe('the PyTorch kit computes on each device it was opened on', () => {
  const result = spawnSync(debianPython, ['-B', '-c', SCRIPT, path.join(repoRoot, 'kits', 'python')], { encoding: 'utf8', timeout: 120_000 });
  const found = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? 'null') as {
    healthy: string | null;
    broken: string | null;
    runs: { device: string; sum: number; text: string; onRequestedDevice: boolean }[];
    products: number[][];
    reference: number[];
    mismatch: string;
  };

  it('its first op passes on every device that computes, and names the device that does not', () => {
    expect(result.stderr).toBe('');
    expect(found.healthy).toBeNull();
    expect(found.broken).toMatch(/^meta: NotImplementedError: Could not run 'aten::_local_scalar_dense' with arguments from the 'Meta' backend/);
    expect(found.broken).not.toContain('cpu:');
  });

  it('hello runs once per device, each with its own product file', () => {
    expect(found.runs).toHaveLength(2);
    for (const run of found.runs) expect(run).toMatchObject({ device: 'cpu', sum: 42, text: 'Hello, TensorFlow!', onRequestedDevice: true });
    for (const product of found.products) {
      expect(product).toHaveLength(found.reference.length);
      product.forEach((value, i) => expect(value).toBeCloseTo(found.reference[i]!, 5));
    }
    expect(found.mismatch).toBe('1 product files for 2 devices');
  });
});
