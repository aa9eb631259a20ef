import { open, readdir } from 'node:fs/promises';
import path from 'node:path';

/** What says which GPUs a job (or container) was given. */
export type JobScopeSource = 'CUDA_VISIBLE_DEVICES' | 'SLURM_JOB_GPUS' | 'SLURM_STEP_GPUS' | 'NVIDIA_VISIBLE_DEVICES' | 'device cgroup' | 'SLURM_JOB_ID';

/** The GPUs a job was given, as its source names them, before they are matched to the node's GPUs. */
export interface JobGpuClaim {
  /** What told us: the variable, the device files the job's cgroup will not open, or a prolog's job without SLURM_JOB_GPUS (SLURM_JOB_ID). */
  source: JobScopeSource;
  /** The value as read, e.g. "0,1", the device files that can be opened, or the job id. */
  value: string;
  /** How many GPUs the job may use. */
  count: number;
  /**
   * Each GPU as the source names it, in its order: a device minor number (SLURM_JOB_GPUS, the
   * N of /dev/nvidiaN), an index into CUDA's order, GPU-<uuid> or MIG-<uuid> (CUDA_VISIBLE_DEVICES).
   */
  names: string[];
}

export interface JobScopeFromEnvironmentOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * Run from a Slurm Prolog (`slurm check --prolog`; Slurm's own SLURM_SCRIPT_CONTEXT=prolog_slurmd
   * says so too): a job (SLURM_JOB_ID) without SLURM_JOB_GPUS was given no GPU.
   */
  prolog?: boolean;
}

/**
 * The job's GPU set from the variables that define it, in the order the driver honours them:
 * CUDA_VISIBLE_DEVICES (what libcuda shows), then Slurm's SLURM_JOB_GPUS / SLURM_STEP_GPUS (set in
 * prologs, where the driver still shows every GPU), then the NVIDIA container runtime's
 * NVIDIA_VISIBLE_DEVICES; in a prolog, a job with none of them has no GPU. Null outside a job:
 * the node's own GPUs are then what is expected.
 */
export function jobScopeFromEnvironment(options: JobScopeFromEnvironmentOptions = {}): JobGpuClaim | null {
  const env = options.env ?? process.env;
  const cuda = env.CUDA_VISIBLE_DEVICES;
  if (cuda !== undefined) {
    const names = cudaVisibleEntries(cuda);
    return { source: 'CUDA_VISIBLE_DEVICES', value: cuda, count: names.length, names };
  }
  for (const source of ['SLURM_JOB_GPUS', 'SLURM_STEP_GPUS'] as const) {
    const value = env[source];
    if (value !== undefined && value.trim() !== '' && value.trim() !== '(null)') {
      const names = expandIndexList(value);
      return { source, value, count: names.length, names };
    }
  }
  const container = env.NVIDIA_VISIBLE_DEVICES;
  if (container !== undefined && container.trim() !== 'all') {
    const value = container.trim();
    const names = value === '' || value === 'none' || value === 'void' ? [] : value.split(',').map((s) => s.trim()).filter((s) => s !== '');
    return { source: 'NVIDIA_VISIBLE_DEVICES', value: container, count: names.length, names };
  }
  const jobId = env.SLURM_JOB_ID;
  const inProlog = options.prolog === true || env.SLURM_SCRIPT_CONTEXT === 'prolog_slurmd';
  if (inProlog && jobId !== undefined && jobId.trim() !== '') return { source: 'SLURM_JOB_ID', value: jobId, count: 0, names: [] };
  return null;
}

/** CUDA takes entries up to the first one it cannot parse: indices, GPU-<uuid>, MIG-<uuid>. */
export function countCudaVisibleDevices(value: string): number {
  return cudaVisibleEntries(value).length;
}

function cudaVisibleEntries(value: string): string[] {
  const entries: string[] = [];
  for (const entry of value.split(',').map((s) => s.trim())) {
    if (!/^(\d+|GPU-[\w-]+|MIG-[\w/-]+)$/i.test(entry)) break;
    entries.push(entry);
  }
  return entries;
}

/** "0,1,4-5" -> ["0", "1", "4", "5"]. */
function expandIndexList(value: string): string[] {
  const names: string[] = [];
  for (const entry of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const range = /^(\d+)-(\d+)$/.exec(entry);
    if (range === null) names.push(entry);
    else for (let index = Number(range[1]); index <= Number(range[2]); index += 1) names.push(String(index));
  }
  return names;
}

export type DeviceOpener = (file: string) => Promise<'ok' | 'denied' | 'other'>;

export interface DeviceCgroupOptions {
  /** Stands in for /dev. */
  devRoot?: string;
  /** Opens a device file and closes it again; replaced in tests (root cannot be denied by a file mode). */
  openDevice?: DeviceOpener;
  /** Gives up on a device open that does not return (a hung GPU). */
  timeoutMs?: number;
}

/**
 * A job confined by Slurm's ConstrainDevices (or any device cgroup) sees every /dev/nvidiaN, but
 * opening the ones it was not given fails with EPERM. Null when nothing is denied: then the
 * node's GPUs are the job's. Only consulted when no variable names the job's GPUs. The names are
 * the device minor numbers of the files it may open.
 */
export async function jobScopeFromDeviceCgroup(options: DeviceCgroupOptions = {}): Promise<JobGpuClaim | null> {
  const devRoot = options.devRoot ?? '/dev';
  let names: string[];
  try {
    names = (await readdir(devRoot)).filter((name) => /^nvidia\d+$/.test(name)).sort((a, b) => minorOf(a) - minorOf(b));
  } catch {
    return null;
  }
  if (names.length === 0) return null;
  const openDevice = options.openDevice ?? openAndClose;
  const timeoutMs = options.timeoutMs ?? 5000;
  const results = await Promise.all(names.map((name) => withTimeout(openDevice(path.join(devRoot, name)), timeoutMs)));
  const denied = names.filter((_, i) => results[i] === 'denied');
  if (denied.length === 0) return null;
  const usable = names.filter((_, i) => results[i] !== 'denied');
  return { source: 'device cgroup', value: usable.length > 0 ? usable.join(',') : '(none)', count: usable.length, names: usable.map((name) => String(minorOf(name))) };
}

const minorOf = (deviceFile: string): number => Number(deviceFile.slice('nvidia'.length));

const openAndClose: DeviceOpener = async (file) => {
  try {
    const handle = await open(file, 'r');
    await handle.close();
    return 'ok';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'EPERM' || code === 'EACCES' ? 'denied' : 'other';
  }
};

async function withTimeout(work: Promise<'ok' | 'denied' | 'other'>, ms: number): Promise<'ok' | 'denied' | 'other'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'other'>((resolve) => {
    timer = setTimeout(() => resolve('other'), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
