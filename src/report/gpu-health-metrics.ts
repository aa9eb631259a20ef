import { HEALTH_CHECKS, type GpuHealth } from '../probe/index.js';

/** One Prometheus metric family as data; src/report/prometheus.ts writes it out. */
export interface MetricFamily {
  name: string;
  help: string;
  samples: Array<{ labels: Record<string, string>; value: number }>;
}

const STATUSES = ['pass', 'warn', 'fail', 'skip'] as const;

/** The probe's `health` array; empty for a report of mlcheck before probe schema 3. */
export function probeHealth(probe: unknown): GpuHealth[] {
  if (typeof probe !== 'object' || probe === null) return [];
  const health = (probe as { health?: unknown }).health;
  return Array.isArray(health) ? (health.filter((entry) => typeof entry === 'object' && entry !== null && typeof (entry as GpuHealth).index === 'number') as GpuHealth[]) : [];
}

/**
 * Per-GPU series `mlcheck_gpu_...{gpu="0",uuid="...",pci="..."}`, so a dashboard can plot ECC
 * counts and link width across the fleet. A value NVML did not give has no sample.
 */
export function gpuHealthFamilies(health: readonly GpuHealth[]): MetricFamily[] {
  const families: MetricFamily[] = [];
  const gpuLabels = (gpu: GpuHealth) => ({ gpu: String(gpu.index), uuid: gpu.uuid ?? '', pci: gpu.pciBusId ?? '' });
  const family = (name: string, help: string, pick: (gpu: GpuHealth) => Array<[Record<string, string>, number | boolean | null]>): void => {
    const samples = health.flatMap((gpu) =>
      pick(gpu)
        .filter((entry): entry is [Record<string, string>, number | boolean] => entry[1] !== null)
        .map(([extra, value]) => ({ labels: { ...gpuLabels(gpu), ...extra }, value: typeof value === 'boolean' ? Number(value) : value })),
    );
    if (samples.length > 0) families.push({ name, help, samples });
  };

  family('mlcheck_gpu_health_check', "Each GPU health check's status for this GPU: 1 for the actual status, 0 for the others.", (gpu) =>
    HEALTH_CHECKS.flatMap((check) => {
      const finding = gpu.checks[check];
      return finding === undefined ? [] : STATUSES.map((status): [Record<string, string>, number] => [{ check, status }, finding.status === status ? 1 : 0]);
    }),
  );
  family('mlcheck_gpu_ecc_enabled', 'ECC mode of the GPU (1 on, 0 off).', (gpu) => [[{}, gpu.ecc.enabled]]);
  family('mlcheck_gpu_ecc_uncorrected_errors', 'Uncorrectable ECC errors: counter="volatile" since the driver loaded, "aggregate" over the GPU\'s life.', (gpu) => [
    [{ counter: 'volatile' }, gpu.ecc.volatileUncorrected],
    [{ counter: 'aggregate' }, gpu.ecc.aggregateUncorrected],
  ]);
  family('mlcheck_gpu_retired_pages', 'Pages retired for ECC errors (GPUs before Ampere), by cause.', (gpu) => [
    [{ cause: 'single_bit' }, gpu.retiredPages.singleBit],
    [{ cause: 'double_bit' }, gpu.retiredPages.doubleBit],
  ]);
  family('mlcheck_gpu_retired_pages_pending', '1 when retired pages wait for a GPU reset or reboot.', (gpu) => [[{}, gpu.retiredPages.pending]]);
  family('mlcheck_gpu_remapped_rows', 'Rows remapped for ECC errors (Ampere and later), by cause.', (gpu) => [
    [{ cause: 'correctable' }, gpu.remappedRows.correctable],
    [{ cause: 'uncorrectable' }, gpu.remappedRows.uncorrectable],
  ]);
  family('mlcheck_gpu_row_remap_pending', '1 when a row remapping waits for a GPU reset.', (gpu) => [[{}, gpu.remappedRows.pending]]);
  family('mlcheck_gpu_row_remap_failure', '1 when a row remapping has failed (an RMA criterion).', (gpu) => [[{}, gpu.remappedRows.failure]]);
  family('mlcheck_gpu_pcie_link_width', 'PCIe link width in lanes: state="idle" as first read, "busy" re-read under load, "max".', (gpu) => [
    [{ state: 'idle' }, gpu.pcie.width.current],
    [{ state: 'busy' }, gpu.pcie.width.busy],
    [{ state: 'max' }, gpu.pcie.width.max],
  ]);
  family('mlcheck_gpu_pcie_link_generation', 'PCIe link generation: state="idle" as first read, "busy" re-read under load, "max".', (gpu) => [
    [{ state: 'idle' }, gpu.pcie.generation.current],
    [{ state: 'busy' }, gpu.pcie.generation.busy],
    [{ state: 'max' }, gpu.pcie.generation.max],
  ]);
  family('mlcheck_gpu_clocks_event_reasons', 'NvmlClocksEventReasons bits held over the samples (0x08 HW slowdown, 0x20 SW thermal, 0x40 HW thermal, 0x80 HW power brake).', (gpu) => [
    [{}, gpu.clocks.held ?? gpu.clocks.reasons],
  ]);
  family('mlcheck_gpu_inforom_valid', '1 when nvmlDeviceValidateInforom passes, 0 when the InfoROM is corrupted.', (gpu) => [[{}, gpu.inforom.valid]]);
  family('mlcheck_gpu_persistence_mode', 'Persistence mode (1 on, 0 off).', (gpu) => [[{}, gpu.persistenceMode]]);
  family('mlcheck_gpu_xid_events', 'Xid lines in the kernel log since boot, by code.', (gpu) => {
    const counts = new Map<number, number>();
    for (const event of gpu.xids) counts.set(event.code, (counts.get(event.code) ?? 0) + 1);
    return [...counts.entries()].map(([code, count]): [Record<string, string>, number] => [{ code: String(code) }, count]);
  });
  family('mlcheck_gpu_other_compute_processes', 'Compute processes on the GPU other than mlcheck.', (gpu) => [[{}, gpu.processes === null ? null : gpu.processes.length]]);
  return families;
}
