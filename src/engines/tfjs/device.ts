import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** "AMD EPYC (2 logical CPUs)": the CPU model and how many logical CPUs this process may use. */
export function describeCpu(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim().replace(/\s+/g, ' ') || os.arch();
  const count = typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length;
  return `${model} (${count} logical CPUs)`;
}

/**
 * The GPU names as the driver reports them. tfjs-node exposes no device list, so this asks
 * nvidia-smi (shipped with the driver); null when it is absent or fails.
 */
export function describeNvidiaGpus(run: (file: string, args: string[]) => string = defaultRun): string | null {
  try {
    const names = run('nvidia-smi', ['--query-gpu=index,name', '--format=csv,noheader'])
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => {
        const [index, ...name] = line.split(',');
        return `${name.join(',').trim()} (GPU ${index.trim()})`;
      });
    return names.length > 0 ? names.join(', ') : null;
  } catch {
    return null;
  }
}

function defaultRun(file: string, args: string[]): string {
  return execFileSync(file, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
}
