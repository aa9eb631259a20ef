import type { Workload } from '../types.js';
import { vaeDefaults } from './defaults.js';
import { vaePython } from './python.js';
import { vaeTfjs } from './tfjs.js';

/** pytorch/examples vae/main.py: a 784-400-20 variational autoencoder on MNIST. */
export const vae: Workload = {
  id: 'vae',
  title: 'Variational autoencoder on MNIST (pytorch/examples vae)',
  datasets: ['mnist'],
  defaults: vaeDefaults,
  engines: { tfjs: vaeTfjs, python: vaePython },
};
