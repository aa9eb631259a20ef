import { describe, expect, it } from 'vitest';
import { compareVersions, gpuUnusableReason } from '../src/engines/python/device-truth.js';
import type { FrameworkFacts } from '../src/engines/python/facts.js';

/** What a framework reports about itself (kits/python/mlcheck_kits/<framework>/__init__.py), varied per case. */
function facts(overrides: { framework?: 'pytorch' | 'tensorflow'; build?: Partial<FrameworkFacts['build']>; cuda?: Partial<FrameworkFacts['cuda']>; cudnnAvailable?: boolean | null } = {}): FrameworkFacts {
  return {
    framework: overrides.framework ?? 'pytorch',
    version: '2.3.1',
    python: '3.11.2',
    executable: '/cm/shared/apps/pytorch/bin/python3',
    location: '/cm/shared/apps/pytorch/lib/python3.11/site-packages/torch',
    build: { cuda: '12.1', cudnn: '8902', ...overrides.build },
    cuda: { available: true, deviceCount: 1, initError: null, devices: [{ index: 0, name: 'NVIDIA A100-SXM4-40GB', capability: [8, 0], memoryBytes: 42_949_672_960 }], ...overrides.cuda },
    cudnnAvailable: overrides.cudnnAvailable === undefined ? true : overrides.cudnnAvailable,
    threads: 8,
    blas: null,
  };
}

const noGpu = { available: false, deviceCount: 0, devices: [] };

describe('device truth: why a framework cannot use the GPU the probe sees', () => {
  it('passes a CUDA build that sees the GPU and has cuDNN', () => {
    expect(gpuUnusableReason(facts(), ['pytorch-py311-cuda12.1-gcc'], { cudaVersion: '12.4', error: null })).toBeNull();
  });

  it.each([
    ['a CPU-only build inside a -cuda module', facts({ build: { cuda: null, cudnn: null }, cuda: noGpu }), ['shared', 'pytorch-py37-cuda10.2-gcc/1.13.1'], null, /is a CPU-only build although module pytorch-py37-cuda10\.2-gcc\/1\.13\.1 is a CUDA 10\.2 build[\s\S]*module show pytorch-py37-cuda10\.2-gcc\/1\.13\.1/],
    ['a CPU-only build without modules', facts({ build: { cuda: null, cudnn: null }, cuda: noGpu }), [], null, /is a CPU-only build\. Fix: load the framework's CUDA module/],
    ['a CUDA newer than the driver supports', facts({ cuda: { ...noGpu, initError: 'The NVIDIA driver on your system is too old' } }), [], { cudaVersion: '11.4', error: null }, /built for CUDA 12\.1, but the NVIDIA driver supports CUDA 11\.4 at most \(cuDriverGetVersion\)/],
    ['cuDNN missing', facts({ cudnnAvailable: false }), [], { cudaVersion: '12.4', error: null }, /cuDNN is missing \(torch\.backends\.cudnn\.is_available\(\) is False\)/],
    ['a driver that does not answer', facts({ cuda: { ...noGpu, initError: 'Found no NVIDIA driver on your system' } }), [], { cudaVersion: null, error: 'libcuda.so.1 not found' }, /a CUDA 12\.1 build, cannot use a GPU: Found no NVIDIA driver on your system/],
    ['TensorFlow without a GPU device', facts({ framework: 'tensorflow', cuda: { ...noGpu, initError: 'TensorFlow registered no GPU device' } }), [], { cudaVersion: '12.4', error: null }, /tf\.config\.list_physical_devices\('GPU'\) is empty: TensorFlow 2\.3\.1/],
  ])('names %s', (_, reported, modules, driver, expected) => {
    expect(gpuUnusableReason(reported, modules as string[], driver)).toMatch(expected);
  });

  it('compares CUDA versions numerically', () => {
    expect(compareVersions('10.2', '11.0')).toBeLessThan(0);
    expect(compareVersions('11.10', '11.2')).toBeGreaterThan(0);
    expect(compareVersions('12', '12.0')).toBe(0);
  });
});
