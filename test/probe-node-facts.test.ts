import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listInstalledManualPackages } from '../src/probe/installed-packages.js';
import { readDeviceMinors } from '../src/probe/device-minors.js';
import { countCudaVisibleDevices, jobScopeFromDeviceCgroup, jobScopeFromEnvironment } from '../src/probe/job-gpus.js';
import { fakeDeviceFiles, fakeDpkgDatabase, fakeProcfs } from './helpers/fake-node.js';

describe('installed ML packages, from the real dpkg-query', () => {
  it('lists the manual\'s installed packages and nothing else', () => {
    const admindir = fakeDpkgDatabase([
      { name: 'cm-pytorch-py37-cuda10.1-gcc' },
      { name: 'cm-tensorflow-py37-mkl-gcc8', installed: false },
      { name: 'cm-setup' },
      { name: 'cm-nccl2-cuda10.1-gcc' },
    ]);
    const previous = process.env.DPKG_ADMINDIR;
    process.env.DPKG_ADMINDIR = admindir;
    try {
      const found = listInstalledManualPackages();
      expect(found.sources).toContain('dpkg');
      // Removed packages (config files only) and cluster-manager tools such as cm-setup are not ML packages.
      expect(found.names).toEqual(['cm-nccl2-cuda10.1-gcc', 'cm-pytorch-py37-cuda10.1-gcc']);
      expect(found.errors).toEqual([]);
    } finally {
      if (previous === undefined) delete process.env.DPKG_ADMINDIR;
      else process.env.DPKG_ADMINDIR = previous;
    }
  });

  it('an absent package tool is no error; a failing one is reported', () => {
    const missing = Object.assign(new Error('spawnSync rpm ENOENT'), { code: 'ENOENT' });
    const none = listInstalledManualPackages({ run: () => ({ status: null, stdout: '', stderr: '', error: missing }) });
    expect(none).toEqual({ names: [], sources: [], errors: [] });
    const broken = listInstalledManualPackages({ run: (file) => ({ status: 2, stdout: '', stderr: `${file}: database locked` }) });
    expect(broken.errors).toHaveLength(2);
    expect(broken.errors[0]).toContain('database locked');
  });
});

describe("the job's GPUs", () => {
  it('reads CUDA_VISIBLE_DEVICES as CUDA does, then SLURM_JOB_GPUS, then NVIDIA_VISIBLE_DEVICES', () => {
    expect(countCudaVisibleDevices('0,1')).toBe(2);
    expect(countCudaVisibleDevices('GPU-8f3c,MIG-1/2/0')).toBe(2);
    expect(countCudaVisibleDevices('')).toBe(0);
    expect(countCudaVisibleDevices('0,-1,2')).toBe(1);
    expect(jobScopeFromEnvironment({ env: { CUDA_VISIBLE_DEVICES: '3', SLURM_JOB_GPUS: '3,4' } })).toEqual({ source: 'CUDA_VISIBLE_DEVICES', value: '3', count: 1, names: ['3'] });
    expect(jobScopeFromEnvironment({ env: { SLURM_JOB_GPUS: '0,2-3' } })).toMatchObject({ source: 'SLURM_JOB_GPUS', count: 3, names: ['0', '2', '3'] });
    expect(jobScopeFromEnvironment({ env: { SLURM_STEP_GPUS: '5' } })).toMatchObject({ source: 'SLURM_STEP_GPUS', count: 1, names: ['5'] });
    expect(jobScopeFromEnvironment({ env: { NVIDIA_VISIBLE_DEVICES: 'all' } })).toBeNull();
    expect(jobScopeFromEnvironment({ env: { NVIDIA_VISIBLE_DEVICES: 'none' } })).toMatchObject({ count: 0 });
    expect(jobScopeFromEnvironment({ env: {} })).toBeNull();
  });

  it('a job without GPUs: Slurm\'s NoDevFiles, or a prolog\'s job without SLURM_JOB_GPUS; outside a prolog a job id alone says nothing', () => {
    expect(jobScopeFromEnvironment({ env: { SLURM_JOB_ID: '42', CUDA_VISIBLE_DEVICES: 'NoDevFiles' } })).toEqual({ source: 'CUDA_VISIBLE_DEVICES', value: 'NoDevFiles', count: 0, names: [] });
    expect(jobScopeFromEnvironment({ env: { SLURM_JOB_ID: '42' }, prolog: true })).toEqual({ source: 'SLURM_JOB_ID', value: '42', count: 0, names: [] });
    expect(jobScopeFromEnvironment({ env: { SLURM_JOB_ID: '42', SLURM_SCRIPT_CONTEXT: 'prolog_slurmd' } })).toMatchObject({ source: 'SLURM_JOB_ID', count: 0 });
    expect(jobScopeFromEnvironment({ env: { SLURM_JOB_ID: '42', SLURM_JOB_GPUS: '1' }, prolog: true })).toMatchObject({ source: 'SLURM_JOB_GPUS', names: ['1'] });
    // A sweep's exclusive job asks for no GPU yet owns the node: its GPUs are the node's.
    expect(jobScopeFromEnvironment({ env: { SLURM_JOB_ID: '42' } })).toBeNull();
  });

  it('reads the device minor of each GPU from the nvidia module', () => {
    const procfs = fakeProcfs('550.54.15', { gpus: [{ address: '0000:3b:00.0', minor: 1, uuid: 'GPU-60718293-a4b5-c6d7-e8f9-0a1b2c3d4e5f' }, { address: '0000:04:00.0', minor: 0 }] });
    expect(readDeviceMinors({ procfsRoot: procfs })).toEqual({
      entries: [
        { minor: 0, pciBusId: '0000:04:00.0', uuid: null },
        { minor: 1, pciBusId: '0000:3b:00.0', uuid: 'GPU-60718293-a4b5-c6d7-e8f9-0a1b2c3d4e5f' },
      ],
      error: null,
    });
    expect(readDeviceMinors({ procfsRoot: fakeProcfs('550.54.15') })).toMatchObject({ entries: [], error: expect.stringMatching(/cannot list .*driver\/nvidia\/gpus: ENOENT/) });
  });

  it('counts the device files a device cgroup lets the job open', async () => {
    const dev = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-dev-'));
    for (const name of ['nvidia0', 'nvidia1', 'nvidia2', 'nvidiactl', 'nvidia-uvm']) writeFileSync(path.join(dev, name), '');
    // Root is never denied by a file mode, so the cgroup's EPERM is stood in for by the opener.
    const allowOnly = (allowed: string) => async (file: string) => (path.basename(file) === allowed ? ('ok' as const) : ('denied' as const));
    expect(await jobScopeFromDeviceCgroup({ devRoot: dev, openDevice: allowOnly('nvidia1') })).toEqual({ source: 'device cgroup', value: 'nvidia1', count: 1, names: ['1'] });
    expect(await jobScopeFromDeviceCgroup({ devRoot: dev, openDevice: async () => 'ok' })).toBeNull();
    // A device file that hangs is not taken as denied: a hung GPU must not shrink what is expected.
    expect(await jobScopeFromDeviceCgroup({ devRoot: dev, timeoutMs: 50, openDevice: () => new Promise(() => undefined) })).toBeNull();
  });

  it('the real opener: device files the cgroup refuses (stood in by files that refuse root) leave the job no GPU', async () => {
    expect(await jobScopeFromDeviceCgroup({ devRoot: fakeDeviceFiles([0, 1], [0, 1]) })).toEqual({ source: 'device cgroup', value: '(none)', count: 0, names: [] });
    expect(await jobScopeFromDeviceCgroup({ devRoot: fakeDeviceFiles([0, 1, 2], [0, 2]) })).toMatchObject({ value: 'nvidia1', names: ['1'] });
    expect(await jobScopeFromDeviceCgroup({ devRoot: fakeDeviceFiles([0, 1], []) })).toBeNull();
  });
});
