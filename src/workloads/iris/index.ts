import type { Workload } from '../types.js';
import { irisTfjs } from './tfjs.js';

/** premade_estimator.py: DNNClassifier [10, 10] on TensorFlow's iris split. */
export const iris: Workload = {
  id: 'iris',
  title: 'Iris DNNClassifier [10, 10], Adagrad 0.05, 1,000 steps',
  datasets: ['iris'],
  defaults: { trainSteps: 1000, batch: 100, learningRate: 0.05, initialAccumulator: 0.1, hidden1: 10, hidden2: 10, shuffleBuffer: 1000 },
  engines: { tfjs: irisTfjs },
};
