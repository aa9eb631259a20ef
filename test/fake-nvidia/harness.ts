/** Test helpers: build the fake NVIDIA libraries, and run `mlcheck probe` as a child process. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const sourceDir = path.join(repoRoot, 'test', 'fake-nvidia');

export interface FakeDriverDirs {
  root: string;
  /** libcuda.so.1 and libnvidia-ml.so.1 */
  both: string;
  cudaOnly: string;
  nvmlOnly: string;
  /** libcuda.so.1 and a libnvidia-ml.so.1 without nvmlDeviceGetMigMode / nvmlDeviceGetTemperature */
  nvmlPartial: string;
  /** libcuda.so.1 and a libnvidia-ml.so.1 without any of the health functions (retired pages, remapped rows, clocks, InfoROM, processes) */
  nvmlNoHealth: string;
  /** libcuda.so.1 and a libnvidia-ml.so.1 of a driver before R535: nvmlDeviceGetCurrentClocksThrottleReasons only */
  nvmlBeforeR535: string;
  empty: string;
}

function compile(source: string, output: string, defines: string[] = []): void {
  const soname = path.basename(output);
  execFileSync('cc', ['-shared', '-fPIC', '-O1', '-Wall', ...defines, `-Wl,-soname,${soname}`, '-o', output, path.join(sourceDir, source), '-ldl'], { stdio: 'pipe' });
}

/** Compiles the fake driver into a fresh temp dir, one sub-directory per library set. */
export function buildFakeDrivers(): FakeDriverDirs {
  const root = mkdtempSync(path.join(tmpdir(), 'mlcheck-fake-nvidia-'));
  const dirs: FakeDriverDirs = {
    root,
    both: path.join(root, 'both'),
    cudaOnly: path.join(root, 'cuda-only'),
    nvmlOnly: path.join(root, 'nvml-only'),
    nvmlPartial: path.join(root, 'nvml-partial'),
    nvmlNoHealth: path.join(root, 'nvml-no-health'),
    nvmlBeforeR535: path.join(root, 'nvml-before-r535'),
    empty: path.join(root, 'empty'),
  };
  for (const dir of [dirs.both, dirs.cudaOnly, dirs.nvmlOnly, dirs.nvmlPartial, dirs.nvmlNoHealth, dirs.nvmlBeforeR535, dirs.empty]) mkdirSync(dir);
  for (const dir of [dirs.both, dirs.cudaOnly, dirs.nvmlPartial, dirs.nvmlNoHealth, dirs.nvmlBeforeR535]) compile('fake_libcuda.c', path.join(dir, 'libcuda.so.1'));
  for (const dir of [dirs.both, dirs.nvmlOnly]) compile('fake_libnvml.c', path.join(dir, 'libnvidia-ml.so.1'));
  compile('fake_libnvml.c', path.join(dirs.nvmlPartial, 'libnvidia-ml.so.1'), ['-DFAKE_NVML_OMIT_OPTIONAL']);
  compile('fake_libnvml.c', path.join(dirs.nvmlNoHealth, 'libnvidia-ml.so.1'), ['-DFAKE_NVML_OMIT_HEALTH']);
  compile('fake_libnvml.c', path.join(dirs.nvmlBeforeR535, 'libnvidia-ml.so.1'), ['-DFAKE_NVML_BEFORE_R535']);
  return dirs;
}

export interface ProbeRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/mlcheck.js probe ...args` with extra environment variables. */
export function runProbe(args: string[], env: Record<string, string | undefined> = {}, command: string[] = [process.execPath]): ProbeRun {
  const [file, ...prefix] = command;
  const result = spawnSync(file ?? process.execPath, [...prefix, path.join(repoRoot, 'bin', 'mlcheck.js'), 'probe', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The kernel's view of this CPU: the flags of the first processor in /proc/cpuinfo. */
export function procCpuFlags(): Set<string> {
  const text = readFileSync('/proc/cpuinfo', 'utf8');
  const line = text.split('\n').find((l) => l.startsWith('flags')) ?? '';
  return new Set(line.slice(line.indexOf(':') + 1).trim().split(/\s+/));
}
