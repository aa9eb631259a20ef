import type { Workload } from '../types.js';
import { lenetTfjs } from './tfjs.js';

/** tensorflow/models convolutional.py: LeNet-style CNN on MNIST, 10 epochs to 0.7 % test error. */
export const lenet: Workload = {
  id: 'lenet',
  title: 'LeNet on MNIST (convolutional.py)',
  datasets: ['mnist'],
  defaults: {
    epochs: 10,
    trainSteps: 0,
    batch: 64,
    learningRate: 0.01,
    decayRate: 0.95,
    momentum: 0.9,
    l2: 5e-4,
    dropout: 0.5,
    validationSize: 5000,
    evalEvery: 100,
    evalSize: 5000,
    testSize: 10000,
  },
  engines: { tfjs: lenetTfjs },
};
