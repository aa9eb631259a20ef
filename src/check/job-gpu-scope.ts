import type { ProbeSnapshot } from '../probe/index.js';
import { gpusToComputeOn } from '../runner/compute-gpus.js';

export interface ScopeCasesOptions {
  /** The environment the case processes inherit; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Shows the case processes exactly the GPUs in scope, numbered as runner/compute-gpus.ts numbers
 * them (by PCI address):
 *  - where the driver shows this process more GPUs than the job has (a Slurm prolog:
 *    SLURM_JOB_GPUS beside every GPU of the node), only the job's. The probe ran before with every
 *    GPU visible, so it could tell a missing job GPU from another job's GPU;
 *  - where CUDA_VISIBLE_DEVICES is already set (the job's own choice, kept), the same GPUs by UUID:
 *    its indices count in CUDA's default order (the fastest GPU first), which the case processes'
 *    CUDA_DEVICE_ORDER=PCI_BUS_ID would turn into other GPUs on a node of mixed models.
 * The UUIDs go in PCI bus order, so that CUDA's ordinals in the cases are the runner's.
 * Returns what it changed, in a line for the operator; null when it changed nothing.
 */
export function scopeCasesToJobGpus(probe: ProbeSnapshot | null, options: ScopeCasesOptions = {}): string | null {
  const env = options.env ?? process.env;
  if (probe === null) return null;
  const scope = probe.jobScope;
  const given = env.CUDA_VISIBLE_DEVICES;
  const inScope = gpusToComputeOn(probe);
  const byUuid = inScope.length > 0 && inScope.every((gpu) => gpu.uuid !== null) ? inScope.map((gpu) => gpu.uuid!).join(',') : null;
  if (given !== undefined) {
    // A MIG instance is not a GPU of the list; a list of UUIDs in PCI bus order is already this one.
    if (byUuid === null || byUuid === given || /MIG-/i.test(given)) return null;
    env.CUDA_DEVICE_ORDER = 'PCI_BUS_ID';
    env.CUDA_VISIBLE_DEVICES = byUuid;
    return `mlcheck: the cases see CUDA_VISIBLE_DEVICES=${given} by UUID (CUDA_DEVICE_ORDER=PCI_BUS_ID CUDA_VISIBLE_DEVICES=${byUuid}), so that its indices cannot name other GPUs in another device order`;
  }
  if (scope === null || scope.cudaVisibleDevices === null) return null;
  const visible = scope.cudaVisibleDevices === '' ? '' : byUuid ?? scope.cudaVisibleDevices;
  env.CUDA_DEVICE_ORDER = 'PCI_BUS_ID';
  env.CUDA_VISIBLE_DEVICES = visible;
  const gpus = scope.gpus.map((gpu) => `GPU ${gpu.name} = ${gpu.pciBusId ?? 'PCI address unknown'}${gpu.gpuIndex === null ? ' (does not answer)' : ''}`);
  return `mlcheck: the cases see only the job's GPUs (${scope.source}=${scope.value}${gpus.length > 0 ? `: ${gpus.join(', ')}` : ': none'}): CUDA_DEVICE_ORDER=PCI_BUS_ID CUDA_VISIBLE_DEVICES=${visible === '' ? '""' : visible}`;
}
