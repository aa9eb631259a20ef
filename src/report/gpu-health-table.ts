import type { GpuHealth, HealthCheckId, HealthFinding } from '../probe/index.js';

const STATUS_MARK: Record<HealthFinding['status'], string> = { pass: '', warn: ' WARN', fail: ' FAIL', skip: ' -' };

/** The value a cell shows, then its check's status when that is not pass ("4/4 FAIL", "gen5 x8 FAIL"). */
function cell(gpu: GpuHealth, check: HealthCheckId, value: string): string {
  const finding = gpu.checks[check];
  if (finding === undefined) return value;
  if (finding.status === 'skip') return '-';
  return `${value}${STATUS_MARK[finding.status]}`;
}

function ecc(gpu: GpuHealth): string {
  const e = gpu.ecc;
  if (e.supported === false) return 'none';
  if (e.enabled === false) return 'off';
  const pending = e.pendingEnabled !== null && e.pendingEnabled !== e.enabled ? ' (change pending)' : '';
  return `${e.volatileUncorrected ?? '?'}/${e.aggregateUncorrected ?? '?'}${pending}`;
}

function memory(gpu: GpuHealth): string {
  const { retiredPages: pages, remappedRows: rows } = gpu;
  const parts: string[] = [];
  if (pages.singleBit !== null || pages.doubleBit !== null) parts.push(`${(pages.singleBit ?? 0) + (pages.doubleBit ?? 0)} pages${pages.pending ? ' pending' : ''}`);
  if (rows.correctable !== null || rows.uncorrectable !== null) parts.push(`${(rows.correctable ?? 0) + (rows.uncorrectable ?? 0)} rows${rows.pending ? ' pending' : ''}${rows.failure ? ' failed' : ''}`);
  return parts.join(', ') || '?';
}

function pcie(gpu: GpuHealth): string {
  const { generation: gen, width } = gpu.pcie;
  if (gen.current === null || width.current === null) return '?';
  const max = `gen${gen.max ?? '?'} x${width.max ?? '?'}`;
  const idle = `gen${gen.current} x${width.current}`;
  if (gen.busy === null || width.busy === null) return `${idle} of ${max}`;
  return `${idle} idle, gen${gen.busy} x${width.busy} busy, of ${max}`;
}

function clocks(gpu: GpuHealth): string {
  if (gpu.clocks.reasons === null) return '?';
  return gpu.clocks.active.length === 0 ? 'full' : gpu.clocks.active.join(', ');
}

function xids(gpu: GpuHealth): string {
  if (gpu.xids.length === 0) return 'none';
  const counts = new Map<number, number>();
  for (const event of gpu.xids) counts.set(event.code, (counts.get(event.code) ?? 0) + 1);
  return [...counts.entries()].map(([code, count]) => (count === 1 ? String(code) : `${code} x${count}`)).join(', ');
}

/**
 * The per-GPU health table of `mlcheck probe`: one row per GPU, one column per check, each
 * cell its value and, when the check does not pass, WARN or FAIL ("-": the check was skipped).
 */
export function renderGpuHealthTable(health: readonly GpuHealth[]): string[][] {
  const withProcesses = health.some((gpu) => gpu.checks['gpu-processes'] !== undefined);
  const header = ['#', 'bus id', 'ECC unc. vol/agg', 'memory', 'PCIe link', 'clocks', 'InfoROM', 'Xid', 'persist', ...(withProcesses ? ['processes'] : [])];
  const rows = health.map((gpu) => [
    String(gpu.index),
    gpu.pciBusId ?? '-',
    cell(gpu, 'gpu-ecc', ecc(gpu)),
    cell(gpu, 'gpu-memory', memory(gpu)),
    cell(gpu, 'gpu-pcie', pcie(gpu)),
    cell(gpu, 'gpu-clocks', clocks(gpu)),
    cell(gpu, 'gpu-inforom', gpu.inforom.valid === false ? 'corrupt' : 'valid'),
    cell(gpu, 'gpu-xid', xids(gpu)),
    cell(gpu, 'gpu-persistence', gpu.persistenceMode ? 'on' : 'off'),
    ...(withProcesses ? [cell(gpu, 'gpu-processes', gpu.processes === null ? '?' : gpu.processes.length === 0 ? 'none' : gpu.processes.map((p) => p.pid).join(', '))] : []),
  ]);
  return [header, ...rows];
}
