import type { Workload } from '../types.js';
import { lenetDefaults } from './defaults.js';
import { lenetPython } from './python.js';
import { lenetTfjs } from './tfjs.js';

/** tensorflow/models convolutional.py: LeNet-style CNN on MNIST, 10 epochs to 0.7 % test error. */
export const lenet: Workload = {
  id: 'lenet',
  title: 'LeNet on MNIST (convolutional.py)',
  datasets: ['mnist'],
  defaults: lenetDefaults,
  engines: { tfjs: lenetTfjs, python: lenetPython },
};
