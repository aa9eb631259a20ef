import type { Workload } from '../types.js';
import { inceptionDefaults } from './defaults.js';
import { IMAGES_DATASET, inceptionOnnx } from './onnx.js';
import { inceptionPython } from './python.js';

/** The manual's inference check: classify_image.py's top-5 for cropped_panda.jpg, plus timings. */
export const inception: Workload = {
  id: 'inception',
  title: 'ImageNet classification (classify_image.py): top-5, latency, throughput',
  datasets: [IMAGES_DATASET],
  training: false,
  classifiesImages: true,
  defaults: inceptionDefaults,
  engines: { onnx: inceptionOnnx, python: inceptionPython },
};
