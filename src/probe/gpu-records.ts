/**
 * The one record per GPU (GpuRecord): built here from what the driver answered for each GPU, the
 * PCI bus, the job's scope and the kernel log; published as the snapshot's `gpus[]` and `health[]`;
 * and read back from a published snapshot by identity (UUID, PCI address), never by position.
 */
import { gpuHealthFacts } from './gpu-health.js';
import type { DriverGpu } from './gpu.js';
import type { GpuHealthFacts, XidEvent } from './health-types.js';
import type { JobGpuScope } from './job-gpu-identity.js';
import type { PciGpuScan } from './pci-gpus.js';
import type { GpuRecord, GpuSnapshot, JudgedGpuRecord, ProbeSnapshot } from './types.js';

/** What the records are built from beside the driver's answers. */
export interface GpuRecordsOptions {
  pci: PciGpuScan;
  /** The job's GPUs, matched to the driver's by identity (job-gpu-identity.ts); null outside a job. */
  jobScope: JobGpuScope | null;
  /** Every Xid of the kernel log, matched to the probed GPUs (xid-events.ts). */
  xids: readonly XidEvent[];
  /** Stands in for /proc when naming a GPU's processes (MLCHECK_PROCFS_ROOT). */
  procfsRoot: string;
}

/** One record per GPU the driver answered for, in the driver's order. */
export function buildGpuRecords(devices: readonly DriverGpu[], options: GpuRecordsOptions): GpuRecord[] {
  return devices.map((device) => gpuRecord(device.driverFacts, gpuHealthFacts(device, options), options));
}

/** The published form: each GPU's `gpus[]` entry and its `health[]` entry with the checks' findings. */
export function publishGpuRecords(gpus: readonly JudgedGpuRecord[]): Pick<ProbeSnapshot, 'gpus' | 'health'> {
  return { gpus: gpus.map((gpu) => gpu.driverFacts), health: gpus.map((gpu) => ({ ...gpu.health, checks: gpu.checks })) };
}

/**
 * The records of a published snapshot, for what reads one (the GPUs a run computes on): each
 * `gpus[]` entry with its `health[]` entry, found by UUID or PCI address. A GPU without one (a
 * snapshot before schema 3) has the health facts of a GPU NVML said nothing about, and no findings.
 */
export function gpuRecordsOf(snapshot: Pick<ProbeSnapshot, 'gpus' | 'health' | 'pci' | 'jobScope'>): JudgedGpuRecord[] {
  const published = snapshot.health ?? [];
  return snapshot.gpus.map((driverFacts) => {
    const entry = published.find((candidate) => (driverFacts.uuid !== null && candidate.uuid === driverFacts.uuid) || (driverFacts.pciBusId !== null && candidate.pciBusId === driverFacts.pciBusId));
    if (entry === undefined) return { ...gpuRecord(driverFacts, gpuHealthFacts({ driverFacts, nvml: null }, { xids: [], procfsRoot: '/proc' }), snapshot), checks: {} };
    const { checks, ...health } = entry;
    return { ...gpuRecord(driverFacts, health, snapshot), checks };
  });
}

function gpuRecord(driverFacts: GpuSnapshot, health: GpuHealthFacts, node: Pick<GpuRecordsOptions, 'pci' | 'jobScope'>): GpuRecord {
  const jobGpu = node.jobScope?.gpus.find((candidate) => candidate.gpuIndex === driverFacts.index) ?? null;
  return {
    index: driverFacts.index,
    uuid: driverFacts.uuid,
    pciBusId: driverFacts.pciBusId,
    name: driverFacts.name,
    driverFacts,
    health,
    pciDevice: driverFacts.pciBusId === null ? null : (node.pci.devices.find((device) => device.address === driverFacts.pciBusId) ?? null),
    jobGpu,
    inJobScope: node.jobScope === null || jobGpu !== null,
  };
}
