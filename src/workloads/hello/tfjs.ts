import type { TfjsSession } from '../../engines/tfjs/session.js';
import type { WorkloadRun } from '../types.js';

// Placeholder while the implementation is being built.
export const helloTfjs: WorkloadRun<TfjsSession> = async () => {
  throw new Error('helloTfjs: not built yet');
};
