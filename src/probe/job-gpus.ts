import { open, readdir } from 'node:fs/promises';
import path from 'node:path';

/** The GPUs a job (or container) was given, when it was given a subset of the node's. */
export interface JobGpuScope {
  /** What told us: the variable, or the device files the job's cgroup will not open. */
  source: 'CUDA_VISIBLE_DEVICES' | 'SLURM_JOB_GPUS' | 'NVIDIA_VISIBLE_DEVICES' | 'device cgroup';
  /** The value as read, e.g. "0,1", or the device files that can be opened. */
  value: string;
  /** How many GPUs the job may use. */
  count: number;
}

export interface JobScopeFromEnvironmentOptions {
  env?: NodeJS.ProcessEnv;
}

/**
 * The job's GPU set from the variables that define it, in the order the driver honours them:
 * CUDA_VISIBLE_DEVICES (what libcuda shows), then Slurm's SLURM_JOB_GPUS (set in prologs, where
 * the driver still shows every GPU), then the NVIDIA container runtime's NVIDIA_VISIBLE_DEVICES.
 * Null outside a job: the node's own GPUs are then what is expected.
 */
export function jobScopeFromEnvironment(options: JobScopeFromEnvironmentOptions = {}): JobGpuScope | null {
  const env = options.env ?? process.env;
  const cuda = env.CUDA_VISIBLE_DEVICES;
  if (cuda !== undefined) return { source: 'CUDA_VISIBLE_DEVICES', value: cuda, count: countCudaVisibleDevices(cuda) };
  const slurm = env.SLURM_JOB_GPUS ?? env.SLURM_STEP_GPUS;
  if (slurm !== undefined && slurm.trim() !== '') return { source: 'SLURM_JOB_GPUS', value: slurm, count: countIndexList(slurm) };
  const container = env.NVIDIA_VISIBLE_DEVICES;
  if (container !== undefined && container.trim() !== 'all') {
    const value = container.trim();
    return { source: 'NVIDIA_VISIBLE_DEVICES', value: container, count: value === '' || value === 'none' || value === 'void' ? 0 : value.split(',').filter((s) => s.trim() !== '').length };
  }
  return null;
}

/** CUDA takes entries up to the first one it cannot parse: indices, GPU-<uuid>, MIG-<uuid>. */
export function countCudaVisibleDevices(value: string): number {
  let count = 0;
  for (const entry of value.split(',').map((s) => s.trim())) {
    if (!/^(\d+|GPU-[\w-]+|MIG-[\w/-]+)$/i.test(entry)) break;
    count += 1;
  }
  return count;
}

/** "0,1,4-5" -> 4. */
function countIndexList(value: string): number {
  let count = 0;
  for (const entry of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const range = /^(\d+)-(\d+)$/.exec(entry);
    count += range ? Math.max(0, Number(range[2]) - Number(range[1]) + 1) : 1;
  }
  return count;
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
 * node's GPUs are the job's. Only consulted when no variable names the job's GPUs.
 */
export async function jobScopeFromDeviceCgroup(options: DeviceCgroupOptions = {}): Promise<JobGpuScope | null> {
  const devRoot = options.devRoot ?? '/dev';
  let names: string[];
  try {
    names = (await readdir(devRoot)).filter((name) => /^nvidia\d+$/.test(name));
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
  return { source: 'device cgroup', value: usable.length > 0 ? usable.join(',') : '(none)', count: usable.length };
}

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
