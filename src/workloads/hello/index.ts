import type { Workload } from '../types.js';
import { helloDefaults } from './defaults.js';
import { helloOnnx } from './onnx.js';
import { helloPython } from './python.js';
import { helloTfjs } from './tfjs.js';

/** The manual's first check: a constant string and 10 + 32, and the device it ran on. */
export const hello: Workload = {
  id: 'hello',
  title: "'Hello, TensorFlow!' and 10 + 32 = 42",
  datasets: [],
  training: false,
  maxThreads: 1,
  computesOnEveryGpu: true,
  defaults: helloDefaults,
  engines: { tfjs: helloTfjs, onnx: helloOnnx, python: helloPython },
};
