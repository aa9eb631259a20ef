/**
 * The tensorflow-gpu backend on a node where @tensorflow/tfjs-node-gpu is installed: it cannot be
 * installed here (its install script downloads libtensorflow), so the package loader is injected.
 * It registers what tfjs-node-gpu registers, a 'tensorflow' backend, here a CPU backend carrying
 * NodeJSKernelBackend's device flags (isGPUPackage, isUsingGpuDevice), and the engine must judge it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { afterEach, describe, expect, it } from 'vitest';
import { createTfjsEngine } from '../src/engines/tfjs/index.js';
import type { BackendDependencies } from '../src/engines/tfjs/backends.js';
import type { ComputeGpu } from '../src/engines/compute-gpu.js';
import { MlcheckError } from '../src/util/errors.js';
import { hello } from '../src/workloads/hello/index.js';
import { workloadContext } from './helpers/workload-context.js';

interface FakeNodeBackend {
  isGPUPackage: boolean;
  isUsingGpuDevice: boolean;
}

let registered = false;

/** Dependencies under which tfjs-node-gpu "is installed" and, when loaded, registers `flags`. */
function gpuPackageDeps(flags: FakeNodeBackend, overrides: Partial<BackendDependencies> = {}, kernels: Record<string, tf.KernelFunc> = {}): BackendDependencies & { loads: number } {
  const deps = {
    loads: 0,
    checkLibrary: () => null,
    describeGpus: () => 'NVIDIA A100-SXM4-40GB (GPU 0)',
    nativePackage: {
      installedVersion: (name: string) => (name === '@tensorflow/tfjs-node-gpu' ? '4.22.0' : null),
      load: async (_tf: typeof tf, name: string) => {
        if (name !== '@tensorflow/tfjs-node-gpu') return { ok: false, version: null, reason: `${name} is not installed` };
        deps.loads++;
        // firstUse: false keeps MathBackendCPU's "install tfjs-node" banner quiet.
        tf.registerBackend('tensorflow', () => Object.assign(new MathBackendCPU(), flags, { firstUse: false }));
        // The CPU kernels stand in for libtensorflow's, so the workload computes real answers.
        for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: 'tensorflow' });
        // A GPU device whose kernels fail or compute wrongly.
        for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
          tf.unregisterKernel(kernelName, 'tensorflow');
          tf.registerKernel({ kernelName, backendName: 'tensorflow', kernelFunc });
        }
        registered = true;
        return { ok: true, version: '4.22.0', reason: null };
      },
    },
    ...overrides,
  };
  return deps;
}

afterEach(async () => {
  if (!registered) return;
  for (const kernel of tf.getKernelsForBackend('tensorflow')) tf.unregisterKernel(kernel.kernelName, 'tensorflow');
  tf.removeBackend('tensorflow');
  registered = false;
  await tf.setBackend('cpu');
});

describe('tfjs tensorflow-gpu must prove it runs on the GPU', () => {
  it('fails (does not skip) when libtensorflow loads and registers no GPU device, naming the reason', async () => {
    const engine = createTfjsEngine(gpuPackageDeps({ isGPUPackage: true, isUsingGpuDevice: false }));
    const error = await engine.open({ backend: 'tensorflow-gpu' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    // A plain Error: the case process ends it as `fail`; a MlcheckError would be skip or error.
    expect(error).not.toBeInstanceOf(MlcheckError);
    expect((error as Error).message).toMatch(/^tfjs: TensorFlow fell back to the CPU: libtensorflow found all 9 CUDA libraries but registered no GPU device/);
    // The GPU's name is never given to a case that did not run on it.
    expect((error as Error).message).not.toContain('A100');
  });

  it('names a library that libtensorflow could not load after all', async () => {
    let calls = 0;
    // Found before loading, gone when checked again (e.g. a dependency removed by a module purge).
    const checkLibrary = (file: string): string | null => (file === 'libcusparse.so.11' && calls++ > 0 ? 'libnvJitLink.so.12: cannot open shared object file: No such file or directory' : null);
    const engine = createTfjsEngine(gpuPackageDeps({ isGPUPackage: true, isUsingGpuDevice: false }, { checkLibrary }));
    await expect(engine.open({ backend: 'tensorflow-gpu' })).rejects.toThrow(
      'TensorFlow fell back to the CPU: libtensorflow could not load libcusparse.so.11 (cuSPARSE (CUDA 11)): libnvJitLink.so.12: cannot open shared object file',
    );
  });

  it('names CUDA_VISIBLE_DEVICES when it hides every GPU', async () => {
    const saved = process.env.CUDA_VISIBLE_DEVICES;
    process.env.CUDA_VISIBLE_DEVICES = '';
    try {
      const engine = createTfjsEngine(gpuPackageDeps({ isGPUPackage: true, isUsingGpuDevice: false }));
      await expect(engine.open({ backend: 'tensorflow-gpu' })).rejects.toThrow('TensorFlow fell back to the CPU: CUDA_VISIBLE_DEVICES="" hides every GPU from this process');
    } finally {
      if (saved === undefined) delete process.env.CUDA_VISIBLE_DEVICES;
      else process.env.CUDA_VISIBLE_DEVICES = saved;
    }
  });

  it('skips, without loading the package, when a CUDA library is missing beforehand', async () => {
    const deps = gpuPackageDeps({ isGPUPackage: true, isUsingGpuDevice: true }, { checkLibrary: (file) => (file === 'libcufft.so.10' ? 'libcufft.so.10: cannot open shared object file: No such file or directory' : null) });
    const engine = createTfjsEngine(deps);
    const [gpu] = await engine.detect();
    expect(gpu).toMatchObject({ backend: 'tensorflow-gpu', available: false });
    expect(gpu!.reason).toMatch(/^CUDA libraries not found: libcufft\.so\.10 \(cuFFT \(CUDA 11\)\)\. @tensorflow\/tfjs-node-gpu \(libtensorflow 2\.9\) needs/);
    await expect(engine.open({ backend: 'tensorflow-gpu' })).rejects.toMatchObject({ kind: 'requirement' });
    expect(deps.loads).toBe(0);
  });

  it('opens on the GPU when libtensorflow uses one, labels the device, and hello passes its checks', async () => {
    const engine = createTfjsEngine(gpuPackageDeps({ isGPUPackage: true, isUsingGpuDevice: true }));
    const session = await engine.open({ backend: 'tensorflow-gpu' });
    expect(session.info).toMatchObject({ backend: 'tensorflow-gpu', device: 'NVIDIA A100-SXM4-40GB (GPU 0), libtensorflow GPU device' });
    expect(session.info.versions['@tensorflow/tfjs-node-gpu']).toBe('4.22.0');
    const output = await hello.engines.tfjs!(session, workloadContext(hello));
    expect(output.metrics).toMatchObject({ sum: { value: 42 }, greeting_matches: { value: 1 }, ran_on_requested_device: { value: 1 } });
    expect(output.metrics.matmul_max_rel_error!.value).toBeLessThan(1e-6);
    await session.close();
  });

  it('hello reports the device it actually ran on, read from the backend when it runs', async () => {
    const engine = createTfjsEngine(gpuPackageDeps({ isGPUPackage: true, isUsingGpuDevice: true }));
    const session = await engine.open({ backend: 'tensorflow-gpu' });
    (tf.backend() as unknown as FakeNodeBackend).isUsingGpuDevice = false;
    const output = await hello.engines.tfjs!(session, workloadContext(hello));
    expect(output.metrics.ran_on_requested_device!.value).toBe(0);
    await session.close();
  });
});

const a100: ComputeGpu = { ordinal: 0, pciBusId: '0000:07:00.0', uuid: 'GPU-8091a2b3-c4d5-e6f7-0819-2a3b4c5d6e7f', name: 'NVIDIA A100-SXM4-40GB', notComputed: null };
const h100: ComputeGpu = { ordinal: 1, pciBusId: '0000:08:00.0', uuid: 'GPU-90a1b2c3-d4e5-f607-1829-3a4b5c6d7e8f', name: 'NVIDIA H100 80GB HBM3', notComputed: null };

describe('tfjs tensorflow-gpu: once its CUDA libraries are found, the GPU must compute', () => {
  it('fails (does not skip) when the first op on the GPU device errs, naming the error', async () => {
    const eccError: tf.KernelFunc = () => {
      throw new Error('CUDA_ERROR_ECC_UNCORRECTABLE: uncorrectable ECC error encountered');
    };
    const error = await createTfjsEngine(gpuPackageDeps({ isGPUPackage: true, isUsingGpuDevice: true }, {}, { Add: eccError }))
      .open({ backend: 'tensorflow-gpu' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(MlcheckError);
    expect((error as Error).message).toBe("tfjs: libtensorflow's GPU device failed its first op (20 + 20, 1 + 1): CUDA_ERROR_ECC_UNCORRECTABLE: uncorrectable ECC error encountered");
  });

  it('fails when the first op answers wrong', async () => {
    const offByOne: tf.KernelFunc = ({ backend }) => (backend as MathBackendCPU).makeTensorInfo([2], 'float32', Float32Array.from([41, 2]));
    await expect(createTfjsEngine(gpuPackageDeps({ isGPUPackage: true, isUsingGpuDevice: true }, {}, { Add: offByOne })).open({ backend: 'tensorflow-gpu' })).rejects.toThrow(
      "tfjs: libtensorflow's GPU device answered its first op (20 + 20, 1 + 1) with 41, 2 instead of 40, 2",
    );
  });

  it('names the GPU it computes on, its default one, and says the others are not computed by it', async () => {
    const session = await createTfjsEngine(gpuPackageDeps({ isGPUPackage: true, isUsingGpuDevice: true })).open({ backend: 'tensorflow-gpu', gpus: [a100, h100] });
    expect(session.info.device).toBe("NVIDIA A100-SXM4-40GB (GPU 0 (0000:07:00.0, GPU-8091a2b3-c4d5-e6f7-0819-2a3b4c5d6e7f)), libtensorflow's default GPU device (tfjs-node-gpu cannot choose another)");
    const output = await hello.engines.tfjs!(session, workloadContext(hello, {}, { gpus: [a100, h100] }));
    expect(output.lines).toContain("computed on GPU 0 (0000:07:00.0, GPU-8091a2b3-c4d5-e6f7-0819-2a3b4c5d6e7f), libtensorflow's default GPU: tfjs-node-gpu cannot choose a device");
    expect(output.lines).toContain('GPU 1 (0000:08:00.0, GPU-90a1b2c3-d4e5-f607-1829-3a4b5c6d7e8f): not computed by tfjs-node-gpu (it computes on its default GPU only)');
    expect(output.details!.gpus).toMatchObject([
      { ordinal: 0, pciBusId: '0000:07:00.0', computed: true },
      { ordinal: 1, pciBusId: '0000:08:00.0', computed: false },
    ]);
    await session.close();
  });

  it('does not start libtensorflow when a GPU in scope is to be left alone: a skip, never a failure', async () => {
    const deps = gpuPackageDeps({ isGPUPackage: true, isUsingGpuDevice: true });
    const busy = { ...h100, notComputed: "a job is using it: NVML lists 1 compute process not mlcheck's (PID 4242)" };
    await expect(createTfjsEngine(deps).open({ backend: 'tensorflow-gpu', gpus: [a100, busy] })).rejects.toMatchObject({
      kind: 'requirement',
      message: expect.stringContaining("tfjs-node-gpu cannot keep it off GPU 1 (0000:08:00.0, GPU-90a1b2c3-d4e5-f607-1829-3a4b5c6d7e8f) (a job is using it"),
    });
    expect(deps.loads).toBe(0);
  });
});
