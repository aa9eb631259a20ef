import type { PythonSession } from '../../engines/python/session.js';
import { RequirementError } from '../../util/errors.js';
import type { WorkloadContext, WorkloadOutput } from '../types.js';

export type InstalledWorkload = 'lenet' | 'inception' | 'iris' | 'vae';

export async function runInstalledExample(session: PythonSession, ctx: WorkloadContext, workload: InstalledWorkload): Promise<WorkloadOutput> {
  void session;
  void ctx;
  throw new RequirementError(`no installed example for ${workload} yet`);
}
