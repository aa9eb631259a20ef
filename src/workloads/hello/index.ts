import type { Workload } from '../types.js';
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
  defaults: { a: 10, b: 32 },
  engines: { tfjs: helloTfjs, onnx: helloOnnx, python: helloPython },
};
