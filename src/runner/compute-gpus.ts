import type { ComputeGpu } from '../engines/compute-gpu.js';
import { gpuRecordsOf, type GpuRecord, type ProbeSnapshot } from '../probe/index.js';

/**
 * The one place that says which GPUs a run's cases compute on: the GPUs CUDA showed the probe
 * that are in scope (inside a job, only the job's, matched by identity: probe/job-gpu-identity.ts;
 * each GPU's record says whether it is one, probe/gpu-records.ts),
 * numbered as the case processes see them (by PCI address: CUDA_DEVICE_ORDER=PCI_BUS_ID, or a
 * CUDA_VISIBLE_DEVICES of UUIDs in that order, check/job-gpu-scope.ts), each with why it must be left
 * alone, if it must.
 */
export function gpusToComputeOn(probe: ProbeSnapshot | null): ComputeGpu[] {
  if (probe === null) return [];
  const seen = gpuRecordsOf(probe).filter((gpu) => gpu.driverFacts.seenBy.cuda && gpu.inJobScope);
  return [...seen].sort(byPciAddress).map((gpu, ordinal) => ({
    ordinal,
    pciBusId: gpu.pciBusId,
    uuid: gpu.uuid,
    name: gpu.name,
    notComputed: reasonNotToCompute(gpu),
  }));
}

/** CUDA's PCI_BUS_ID order: domain, bus, device, function; the probe writes them zero-padded, so text order is that order. */
function byPciAddress(a: GpuRecord, b: GpuRecord): number {
  if (a.pciBusId === null || b.pciBusId === null) return a.pciBusId === b.pciBusId ? a.index - b.index : a.pciBusId === null ? 1 : -1;
  return a.pciBusId < b.pciBusId ? -1 : a.pciBusId > b.pciBusId ? 1 : a.index - b.index;
}

/**
 * A GPU a job computes on is not the check's to use: its memory and its time are the job's. In
 * exclusive-process mode a context of the check's would lock a starting job out (its context
 * creation fails); prohibited mode lets nobody in. Unknown (NVML could not say) is computed on.
 */
function reasonNotToCompute(gpu: GpuRecord): string | null {
  const processes = gpu.health.processes ?? [];
  if (processes.length > 0) {
    const listed = processes.map((process) => `PID ${process.pid}${process.name === null ? '' : ` ${process.name}`}`).join(', ');
    return `a job is using it: NVML lists ${processes.length} compute process${processes.length === 1 ? '' : 'es'} not mlcheck's (${listed})`;
  }
  const computeMode = gpu.driverFacts.computeMode;
  switch (computeMode) {
    case 'exclusive-process':
    case 'exclusive-thread':
      return `its compute mode is ${computeMode.toUpperCase().replace('-', '_')}: a CUDA context of mlcheck's would lock a starting job out of it`;
    case 'prohibited':
      return 'its compute mode is PROHIBITED: no process may create a CUDA context on it';
    default:
      return null;
  }
}
