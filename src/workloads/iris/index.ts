import type { Workload } from '../types.js';
import { irisDefaults } from './defaults.js';
import { irisPython } from './python.js';
import { irisTfjs } from './tfjs.js';

/** premade_estimator.py: DNNClassifier [10, 10] on TensorFlow's iris split. */
export const iris: Workload = {
  id: 'iris',
  title: 'Iris DNNClassifier [10, 10], Adagrad 0.05, 1,000 steps',
  datasets: ['iris'],
  defaults: irisDefaults,
  engines: { tfjs: irisTfjs, python: irisPython },
};
