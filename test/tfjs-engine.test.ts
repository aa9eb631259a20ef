import { describe, expect, it } from 'vitest';
import { dlopenCheck } from '../src/engines/dynamic-loader.js';
import { missingCudaLibraries, TFJS_NODE_GPU_CUDA_LIBRARIES } from '../src/engines/tfjs/cuda-libraries.js';
import { createTfjsEngine, tfjsEngine } from '../src/engines/tfjs/index.js';
import { classifyLoadError } from '../src/engines/tfjs/native-package.js';
import { MlcheckError } from '../src/util/errors.js';

describe('tfjs engine', () => {
  it('lists every backend in preference order, the native ones unavailable here with the reason and fix', async () => {
    const statuses = await tfjsEngine.detect();
    expect(statuses.map((s) => s.backend)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
    const [gpu, native, wasm, cpu] = statuses;
    expect(gpu.available).toBe(false);
    expect(gpu.reason).toMatch(/@tensorflow\/tfjs-node-gpu|CUDA libraries not found/);
    expect(gpu.reason).toMatch(/npm (install|rebuild) @tensorflow\/tfjs-node-gpu|LD_LIBRARY_PATH/);
    expect(native.available).toBe(false);
    expect(native.reason).toMatch(/@tensorflow\/tfjs-node\b/);
    expect(native.reason).toMatch(/npm (install|rebuild) @tensorflow\/tfjs-node@?/);
    expect(wasm).toEqual({ backend: 'wasm', available: true, reason: null });
    expect(cpu).toEqual({ backend: 'cpu', available: true, reason: null });
  });

  it('opens the best available backend and says what it runs on', async () => {
    const session = await tfjsEngine.open();
    expect(session.info.engine).toBe('tfjs');
    expect(session.info.backend).toBe('wasm');
    expect(session.tf.getBackend()).toBe('wasm');
    expect(session.info.device).toMatch(/logical CPUs\), wasm (SIMD|without SIMD), 1 thread/);
    expect(session.info.versions['@tensorflow/tfjs-core']).toBe(session.tf.version_core);
    expect(session.info.versions['@tensorflow/tfjs-backend-wasm']).toMatch(/^\d+\.\d+\.\d+/);
    await session.close();
  });

  it('opens the cpu backend on request, with gradients for training', async () => {
    const session = await tfjsEngine.open({ backend: 'cpu' });
    expect(session.tf.getBackend()).toBe('cpu');
    expect(session.info.versions['@tensorflow/tfjs-backend-cpu']).toMatch(/^\d+\.\d+\.\d+/);
    const { tf } = session;
    const grad = tf.grad((x) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2, 3]));
    expect(Array.from(await grad.data())).toEqual([2, 4, 6]);
    await session.close();
  });

  it('refuses an unknown backend as usage, an unavailable one as a missing requirement', async () => {
    await expect(tfjsEngine.open({ backend: 'webgpu' })).rejects.toMatchObject({ kind: 'usage' });
    const error = await tfjsEngine.open({ backend: 'tensorflow' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlcheckError);
    expect((error as MlcheckError).kind).toBe('requirement');
    expect((error as MlcheckError).message).toMatch(/tfjs backend tensorflow is unavailable: .*tfjs-node/);
  });

  it('names missing CUDA libraries before loading tfjs-node-gpu', async () => {
    // Every library TensorFlow 2.9's TryDlopenCUDALibraries needs, plus the driver.
    expect(TFJS_NODE_GPU_CUDA_LIBRARIES.map((l) => l.file)).toEqual([
      'libcuda.so.1',
      'libcudart.so.11.0',
      'libcublas.so.11',
      'libcublasLt.so.11',
      'libcufft.so.10',
      'libcurand.so.10',
      'libcusolver.so.11',
      'libcusparse.so.11',
      'libcudnn.so.8',
    ]);
    expect(missingCudaLibraries(() => null)).toEqual([]);
    expect(missingCudaLibraries((file) => (file === 'libcudnn.so.8' ? 'gone' : null)).map((l) => l.file)).toEqual(['libcudnn.so.8']);
    // The real loader: the C library loads, a made-up soname does not (stand-in CUDA libraries: tfjs-cuda-libraries.test.ts).
    expect(dlopenCheck('libc.so.6')).toBeNull();
    expect(dlopenCheck('libmlcheck-does-not-exist.so.1')).toMatch(/libmlcheck-does-not-exist\.so\.1: cannot open shared object file/);
    const engine = createTfjsEngine({ checkLibrary: (file) => (file === 'libcuda.so.1' ? null : `${file}: cannot open shared object file`) });
    const [gpu] = await engine.detect();
    // Only reached when tfjs-node-gpu is installed; otherwise the package reason comes first.
    expect(gpu.reason).toMatch(/not installed|CUDA libraries not found: libcudart\.so\.11\.0/);
  });

  it('turns tfjs-node load errors into their cause and fix', () => {
    // Messages as @tensorflow/tfjs-node 4.22.0 throws them (installed with --ignore-scripts; then with the addon but no libtensorflow).
    const noAddon =
      "The Node.js native addon module (tfjs_binding.node) can not be found at path: /x/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node. \nPlease run command 'npm rebuild @tensorflow/tfjs-node --build-addon-from-source' to rebuild the native addon module.";
    expect(classifyLoadError('@tensorflow/tfjs-node', noAddon)).toMatch(/native addon \(tfjs_binding\.node\) was not built.*npm rebuild @tensorflow\/tfjs-node/);
    const noLibrary = 'libtensorflow.so.2: cannot open shared object file: No such file or directory';
    expect(classifyLoadError('@tensorflow/tfjs-node-gpu', noLibrary)).toMatch(/libtensorflow is missing \(libtensorflow\.so\.2 not found\).*npm rebuild @tensorflow\/tfjs-node-gpu/);
    expect(classifyLoadError('@tensorflow/tfjs-node', 'libcudart.so.11.0: cannot open shared object file: No such file or directory')).toMatch(/shared library libcudart\.so\.11\.0 is missing/);
    expect(classifyLoadError('@tensorflow/tfjs-node', "Cannot find module '@tensorflow/tfjs'")).toMatch(/dependency @tensorflow\/tfjs is missing/);
    expect(classifyLoadError('@tensorflow/tfjs-node', 'something else\nstack')).toBe('@tensorflow/tfjs-node failed to load: something else');
  });
});
