import type { Workload } from '../types.js';

// Placeholder while the workload is being built.
export const vae: Workload = {
  id: 'vae',
  title: '(not built yet)',
  datasets: [],
  defaults: {},
  engines: {},
};
