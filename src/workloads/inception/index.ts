import type { Workload } from '../types.js';

// Placeholder while the workload is being built.
export const inception: Workload = {
  id: 'inception',
  title: '(not built yet)',
  datasets: [],
  defaults: {},
  engines: {},
};
