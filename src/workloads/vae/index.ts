import type { Workload } from '../types.js';
import { vaeTfjs } from './tfjs.js';

/** pytorch/examples vae/main.py: a 784-400-20 variational autoencoder on MNIST. */
export const vae: Workload = {
  id: 'vae',
  title: 'Variational autoencoder on MNIST (pytorch/examples vae)',
  datasets: ['mnist'],
  defaults: { epochs: 10, trainSteps: 0, batch: 128, learningRate: 1e-3, hidden: 400, latent: 20, testSize: 10000, images: true },
  engines: { tfjs: vaeTfjs },
};
