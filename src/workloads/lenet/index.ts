import type { Workload } from '../types.js';

// Placeholder while the workload is being built.
export const lenet: Workload = {
  id: 'lenet',
  title: '(not built yet)',
  datasets: [],
  defaults: {},
  engines: {},
};
