import type { DeviceMinors } from './device-minors.js';
import type { JobGpuClaim } from './job-gpus.js';
import { normalizePciBusId } from './pci-address.js';
import type { PciGpuScan } from './pci-gpus.js';

/** What the matching reads of each GPU the driver answered for (a GpuSnapshot of the probe). */
export interface ProbedGpuIdentity {
  index: number;
  uuid: string | null;
  pciBusId: string | null;
  seenBy: { cuda: boolean };
}

/** One GPU of the job, by identity. */
export interface JobGpu {
  /** As the job names it: "5" (a device minor, SLURM_JOB_GPUS), "2" (CUDA_VISIBLE_DEVICES), "GPU-...". */
  name: string;
  /** Its PCI address; null when the job's variables cannot tell it (an index CUDA found no device for). */
  pciBusId: string | null;
  uuid: string | null;
  /** `gpus[].index` of the GPU the driver shows for it; null when the driver does not show it. */
  gpuIndex: number | null;
}

/** The GPUs a job (or container) was given, matched to the node's GPUs by PCI address and UUID. */
export interface JobGpuScope extends JobGpuClaim {
  gpus: JobGpu[];
  /** How the job's names were matched to GPUs, e.g. "device minor numbers from /proc/driver/nvidia/gpus/<address>/information". */
  matchedBy: string;
  /**
   * The CUDA_VISIBLE_DEVICES that shows mlcheck's own cases exactly the job's GPUs that answer
   * (their UUIDs, else their indices in PCI bus order), set together with
   * CUDA_DEVICE_ORDER=PCI_BUS_ID; "" for a job without GPUs. Null when the driver already shows
   * this process only the job's GPUs (CUDA_VISIBLE_DEVICES, a container, a device cgroup).
   */
  cudaVisibleDevices: string | null;
}

export interface ResolveJobScopeFacts {
  /** What the driver answered, every GPU this process may see. */
  gpus: readonly ProbedGpuIdentity[];
  pci: PciGpuScan;
  /** The module's device minors; read only for a claim that names device files. */
  readMinors: () => DeviceMinors;
}

const MINORS_FILES = '/proc/driver/nvidia/gpus/<address>/information';

/** "the job was given no GPU (CUDA_VISIBLE_DEVICES=NoDevFiles)", "... (job 42 has no SLURM_JOB_GPUS)". */
export function noGpusGiven(scope: Pick<JobGpuClaim, 'source' | 'value'>): string {
  const why = scope.source === 'SLURM_JOB_ID' ? `job ${scope.value} has no SLURM_JOB_GPUS` : scope.source === 'device cgroup' ? 'its device cgroup opens no /dev/nvidiaN' : `${scope.source}=${scope.value}`;
  return `the job was given no GPU (${why})`;
}

/**
 * Matches the job's GPUs to what the driver answered, never by count. Slurm's indices and a
 * device cgroup's files are device minor numbers (/dev/nvidiaN), which the kernel module maps to
 * PCI addresses; without that map they are taken in PCI bus order (nvidia-smi's order, and
 * CUDA's under CUDA_DEVICE_ORDER=PCI_BUS_ID), and the scope says so. CUDA_VISIBLE_DEVICES and
 * NVIDIA_VISIBLE_DEVICES are applied by the driver itself: a GPU-<uuid> entry is matched by UUID,
 * any other entry is the CUDA device at its position.
 */
export function resolveJobScope(claim: JobGpuClaim, facts: ResolveJobScopeFacts): JobGpuScope {
  if (claim.count === 0) return { ...claim, gpus: [], matchedBy: 'nothing to match: the job was given no GPU', cudaVisibleDevices: hidesFromCases(claim) ? '' : null };
  const byMinor = claim.source === 'SLURM_JOB_GPUS' || claim.source === 'SLURM_STEP_GPUS' || claim.source === 'device cgroup';
  const { gpus, matchedBy } = byMinor ? matchDeviceMinors(claim, facts) : matchDriverApplied(claim, facts.gpus);
  const scope: JobGpuScope = { ...claim, gpus, matchedBy, cudaVisibleDevices: null };
  return hidesFromCases(claim) ? { ...scope, cudaVisibleDevices: casesCudaVisibleDevices(gpus, facts.gpus) } : scope;
}

/** Only Slurm's variables leave the driver showing every GPU: then mlcheck itself must hide the others from its cases. */
function hidesFromCases(claim: JobGpuClaim): boolean {
  return claim.source === 'SLURM_JOB_GPUS' || claim.source === 'SLURM_STEP_GPUS' || claim.source === 'SLURM_JOB_ID';
}

function matchDeviceMinors(claim: JobGpuClaim, facts: ResolveJobScopeFacts): { gpus: JobGpu[]; matchedBy: string } {
  const minors = facts.readMinors();
  if (minors.error === null) {
    const gpus = claim.names.map((name) => {
      const entry = /^\d+$/.test(name) ? minors.entries.find((candidate) => candidate.minor === Number(name)) : undefined;
      return identify(name, entry?.pciBusId ?? null, entry?.uuid ?? null, facts.gpus);
    });
    return { gpus, matchedBy: `device minor numbers from ${MINORS_FILES}` };
  }
  // Without the module's map, the N-th GPU the nvidia module drives on the PCI bus is device N
  // (one bound to another driver, e.g. vfio-pci, has no /dev/nvidiaN).
  const driven = facts.pci.error === null ? facts.pci.devices.filter((device) => device.boundDriver === null || device.boundDriver === 'nvidia') : [];
  const onPci = driven.length > 0;
  const addresses = onPci ? driven.map((device) => device.address) : facts.gpus.flatMap((gpu) => (gpu.pciBusId === null ? [] : [gpu.pciBusId]));
  const ordered = [...new Set(addresses.map(normalizePciBusId))].sort();
  const gpus = claim.names.map((name) => identify(name, /^\d+$/.test(name) ? ordered[Number(name)] ?? null : null, null, facts.gpus));
  const witness = onPci ? 'the NVIDIA GPUs on the PCI bus' : `the GPUs the driver shows (PCI bus: ${facts.pci.error ?? 'no NVIDIA GPU listed'})`;
  return { gpus, matchedBy: `PCI bus order of ${witness}, as nvidia-smi numbers them and CUDA does under CUDA_DEVICE_ORDER=PCI_BUS_ID, since the device minors are unknown: ${minors.error}` };
}

function matchDriverApplied(claim: JobGpuClaim, probed: readonly ProbedGpuIdentity[]): { gpus: JobGpu[]; matchedBy: string } {
  const cuda = probed.filter((gpu) => gpu.seenBy.cuda).sort((a, b) => a.index - b.index);
  const gpus = claim.names.map((name, position) => {
    if (/^GPU-/i.test(name)) {
      const found = probed.find((gpu) => gpu.uuid !== null && gpu.uuid.toLowerCase().startsWith(name.toLowerCase()));
      return { name, pciBusId: found?.pciBusId ?? null, uuid: found?.uuid ?? name, gpuIndex: found?.index ?? null };
    }
    const found = cuda[position];
    return { name, pciBusId: found?.pciBusId ?? null, uuid: found?.uuid ?? null, gpuIndex: found?.index ?? null };
  });
  return { gpus, matchedBy: `the driver applies ${claim.source} itself: entry N is CUDA device N, a GPU-<uuid> entry the GPU with that UUID` };
}

/** The job's GPU with this address (or UUID), and the probed GPU that has it. */
function identify(name: string, pciBusId: string | null, uuid: string | null, probed: readonly ProbedGpuIdentity[]): JobGpu {
  const address = pciBusId === null ? null : normalizePciBusId(pciBusId);
  const found = probed.find((gpu) => (address !== null && gpu.pciBusId === address) || (uuid !== null && gpu.uuid !== null && gpu.uuid.toLowerCase() === uuid.toLowerCase()));
  return { name, pciBusId: address ?? found?.pciBusId ?? null, uuid: uuid ?? found?.uuid ?? null, gpuIndex: found?.index ?? null };
}

/** UUIDs when every answering job GPU has one (order-proof), else indices among CUDA's GPUs in PCI bus order. */
function casesCudaVisibleDevices(jobGpus: readonly JobGpu[], probed: readonly ProbedGpuIdentity[]): string {
  const cudaByPci = probed.filter((gpu) => gpu.seenBy.cuda && gpu.pciBusId !== null).sort((a, b) => (a.pciBusId! < b.pciBusId! ? -1 : 1));
  const answering = jobGpus.flatMap((job) => {
    const gpu = probed.find((candidate) => candidate.index === job.gpuIndex && candidate.seenBy.cuda);
    return gpu === undefined ? [] : [gpu];
  });
  if (answering.every((gpu) => gpu.uuid !== null)) return answering.map((gpu) => gpu.uuid).join(',');
  return answering.flatMap((gpu) => {
    const position = cudaByPci.indexOf(gpu);
    return position < 0 ? [] : [String(position)];
  }).join(',');
}
