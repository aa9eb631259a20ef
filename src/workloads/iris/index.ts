import type { Workload } from '../types.js';

// Placeholder while the workload is being built.
export const iris: Workload = {
  id: 'iris',
  title: '(not built yet)',
  datasets: [],
  defaults: {},
  engines: {},
};
