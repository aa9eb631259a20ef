import type { ProbeSnapshot } from '../probe/index.js';
import type { CliContext } from './context.js';

export interface ScopeCasesOptions {
  /** The environment the case processes inherit; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Where the driver shows this process more GPUs than the job has (a Slurm prolog: SLURM_JOB_GPUS
 * beside every GPU of the node), the cases are shown only the job's, by UUID or by index in PCI
 * bus order under CUDA_DEVICE_ORDER=PCI_BUS_ID: CUDA's own order puts the fastest GPU first, so a
 * Slurm index as CUDA_VISIBLE_DEVICES alone names another job's GPU on a node of mixed models.
 * The probe ran before with every GPU visible, so it could tell a missing job GPU from another
 * job's GPU. A CUDA_VISIBLE_DEVICES already set is the job's own choice and is kept.
 */
export function scopeCasesToJobGpus(probe: ProbeSnapshot | null, context: CliContext, options: ScopeCasesOptions = {}): void {
  const env = options.env ?? process.env;
  const scope = probe?.jobScope ?? null;
  if (scope === null || scope.cudaVisibleDevices === null || env.CUDA_VISIBLE_DEVICES !== undefined) return;
  env.CUDA_DEVICE_ORDER = 'PCI_BUS_ID';
  env.CUDA_VISIBLE_DEVICES = scope.cudaVisibleDevices;
  const gpus = scope.gpus.map((gpu) => `GPU ${gpu.name} = ${gpu.pciBusId ?? 'PCI address unknown'}${gpu.gpuIndex === null ? ' (does not answer)' : ''}`);
  context.err(
    `mlcheck: the cases see only the job's GPUs (${scope.source}=${scope.value}${gpus.length > 0 ? `: ${gpus.join(', ')}` : ': none'}): CUDA_DEVICE_ORDER=PCI_BUS_ID CUDA_VISIBLE_DEVICES=${scope.cudaVisibleDevices === '' ? '""' : scope.cudaVisibleDevices}`,
  );
}
