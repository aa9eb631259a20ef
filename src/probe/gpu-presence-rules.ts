import { noGpusGiven } from './job-gpu-identity.js';
import type { GpuRecord, JobGpu, ProbeFacts, ProbeSnapshot, VerdictStatus } from './types.js';

/** The node's GPU facts, one record per GPU the driver answered for, and how many GPUs are expected. */
export type GpuPresenceFacts = Pick<ProbeFacts, 'pci' | 'kernelModule' | 'gpuError' | 'gpuErrorKind' | 'driver' | 'jobScope'> &
  Pick<ProbeSnapshot, 'expectedGpus'> & { gpus: readonly GpuRecord[] };
export interface GpuJudgement {
  status: VerdictStatus;
  reason: string;
  fix: string | null;
}

const KERNEL_LOG = "read the kernel log for NVRM and Xid lines (dmesg | grep -i -e nvrm -e xid) and run nvidia-smi";

/**
 * `gpu-driver`: a node with NVIDIA GPUs on its PCI bus needs a working driver stack (kernel
 * module, libcuda.so.1, cuInit). The PCI bus is read independently of the driver, so a broken or
 * missing driver makes this fail instead of the node passing as a CPU node.
 */
export function judgeGpuDriver(facts: GpuPresenceFacts): GpuJudgement {
  const onPci = facts.pci.devices;
  if (onPci.length > 0) {
    const where = `${plural(onPci.length, 'NVIDIA GPU')} on PCI (${onPci.map((d) => d.address).join(', ')})`;
    const foreign = onPci.filter((d) => d.boundDriver !== null && d.boundDriver !== 'nvidia');
    const bound = foreign.length > 0 ? `; ${foreign.map((d) => `${d.address} is bound to ${d.boundDriver}`).join(', ')}` : '';
    if (!facts.kernelModule.loaded) {
      return {
        status: 'fail',
        reason: `${where}, but the nvidia kernel module is not loaded (${facts.kernelModule.error ?? 'no /proc/driver/nvidia/version'})${bound}`,
        fix: `load it (modprobe nvidia) or install the NVIDIA driver; ${foreign.length > 0 ? 'unbind the other driver (blacklist nouveau); ' : ''}${KERNEL_LOG}`,
      };
    }
    const module = `nvidia module ${facts.kernelModule.version ?? '(version unknown)'}`;
    const scope = facts.jobScope;
    if (facts.gpuErrorKind === 'no-device' && scope !== null && scope.count === 0) {
      return {
        status: 'skip',
        reason: `${where}, ${module}; ${noGpusGiven(scope)}, so cuInit answers as expected: ${facts.gpuError}. A job without GPUs checks no GPU; the node's driver is judged outside the job (HealthCheckProgram)`,
        fix: null,
      };
    }
    switch (facts.gpuErrorKind) {
      case null:
        return { status: 'pass', reason: `${where}: ${module}, CUDA ${facts.driver?.cudaVersion ?? '(version unknown)'} through libcuda.so.1`, fix: null };
      case 'not-probed':
        return { status: 'skip', reason: `${where}, ${module}; the driver API was ${facts.gpuError ?? 'not probed'}`, fix: 'build the native addon (npm rebuild mlcheck) so the driver can be asked' };
      case 'no-driver':
        return {
          status: 'fail',
          reason: `${where}, ${module} loaded, but the user-space driver is missing: ${facts.gpuError}`,
          fix: `install the NVIDIA user-space driver matching the ${module} (libcuda.so.1) and run ldconfig, or put its folder on LD_LIBRARY_PATH`,
        };
      case 'timeout':
        return { status: 'fail', reason: `${where}, ${module}, but the driver did not answer: ${facts.gpuError}`, fix: `${KERNEL_LOG}; a hung GPU needs a reset (nvidia-smi -r) or a reboot` };
      default:
        return { status: 'fail', reason: `${where}, ${module}, but CUDA fails: ${facts.gpuError}${bound}`, fix: driverErrorFix(facts.gpuError) };
    }
  }
  if (facts.pci.error === null) {
    if (facts.gpus.length > 0 && facts.gpuError === null) return { status: 'pass', reason: `the driver sees ${describeGpus(facts.gpus)} (none listed on this PCI view)`, fix: null };
    if (facts.gpuErrorKind === 'driver-error' || facts.gpuErrorKind === 'timeout') {
      return { status: 'warn', reason: `no NVIDIA GPU on the PCI bus, yet an NVIDIA driver is installed and fails: ${facts.gpuError}`, fix: 'remove the NVIDIA driver from this CPU node, or check that its GPUs are seated and enabled in the firmware' };
    }
    return { status: 'skip', reason: 'no NVIDIA GPU on the PCI bus: a CPU node', fix: null };
  }
  // The PCI bus is unreadable (a container without /sys): the driver is the only witness left.
  if (facts.gpuError === null && facts.gpus.length > 0) return { status: 'pass', reason: `the driver sees ${describeGpus(facts.gpus)} (PCI bus not readable: ${facts.pci.error})`, fix: null };
  if (facts.gpus.length > 0 || facts.gpuErrorKind === 'driver-error' || facts.gpuErrorKind === 'timeout') {
    return { status: 'fail', reason: `the NVIDIA driver is installed but CUDA fails: ${facts.gpuError}`, fix: driverErrorFix(facts.gpuError) };
  }
  return { status: 'skip', reason: `no NVIDIA GPU found (PCI bus not readable: ${facts.pci.error}; ${facts.gpuError ?? 'the driver reports none'})`, fix: null };
}

/**
 * `gpu-count`: every GPU the node should have answers through the driver. A GPU that fell off the
 * bus (Xid 79) leaves the rest working, so the count is the only sign of it. Inside a job each of
 * the job's GPUs must answer, matched by PCI address or UUID (never by count); the others are not
 * the job's business.
 */
export function judgeGpuCount(facts: GpuPresenceFacts): GpuJudgement {
  const cudaGpus = facts.gpus.filter((gpu) => gpu.driverFacts.seenBy.cuda);
  const driverUsable = facts.gpuError === null;
  const onPci = facts.pci.error === null ? facts.pci.devices : null;
  const scope = facts.jobScope;
  if (scope !== null) {
    const given = `the job was given ${plural(scope.count, 'GPU')} (${scope.source}=${scope.value})`;
    const node = onPci === null ? '' : `; the node has ${onPci.length} on PCI`;
    if (scope.count === 0) return { status: 'skip', reason: `${noGpusGiven(scope)}: nothing to count${node}`, fix: null };
    if (!driverUsable) return { status: 'skip', reason: `${given}, but the driver is unusable (see gpu-driver)${node}`, fix: null };
    // Each of the job's GPUs must answer: a record CUDA answered for that is the job's GPU.
    const answers = (jobGpu: JobGpu) => cudaGpus.some((gpu) => gpu.inJobScope && gpu.index === jobGpu.gpuIndex);
    const missing = scope.gpus.filter((jobGpu) => !answers(jobGpu));
    const matched = `matched by ${scope.matchedBy}`;
    if (missing.length > 0) {
      return {
        status: 'fail',
        reason: `${given}, but the driver shows ${scope.count - missing.length} of them; missing: ${missing.map(describeJobGpu).join(', ')}${node} (${matched})`,
        fix: `${KERNEL_LOG}; an Xid 79 means the GPU fell off the bus: drain, then reset or reseat it; check the job's GPU binding (gres.conf, cgroup.conf ConstrainDevices)`,
      };
    }
    return { status: 'pass', reason: `${given}: ${scope.gpus.map(describeJobGpu).join(', ')} ${scope.count === 1 ? 'answers' : 'all answer'} through the driver${node} (${matched})`, fix: null };
  }

  const expected = facts.expectedGpus;
  const expectation = expected === null ? '' : ` (${expected.count} expected by ${expected.source})`;
  if (onPci !== null && onPci.length === 0 && cudaGpus.length === 0 && (expected === null || expected.count === 0)) {
    return { status: 'skip', reason: 'no NVIDIA GPU on this node and none expected', fix: null };
  }
  if (!driverUsable) {
    if (expected !== null && onPci !== null && onPci.length < expected.count) {
      return { status: 'fail', reason: `only ${onPci.length} of ${plural(expected.count, 'expected GPU')} on PCI${expectation}`, fix: `${KERNEL_LOG}; reseat or replace the missing GPU` };
    }
    if (expected !== null && expected.count > 0 && onPci === null) {
      return { status: 'fail', reason: `the driver is unusable and the PCI bus unreadable, so none of the ${expected.count} expected GPUs can be seen${expectation}`, fix: KERNEL_LOG };
    }
    return { status: 'skip', reason: `the driver is unusable (see gpu-driver)${onPci === null ? '' : `; ${onPci.length} on PCI`}`, fix: null };
  }
  if (onPci !== null && onPci.length > 0) {
    // A PCI device is missing when no GPU CUDA answered for is that device; unknowable when one of them has no PCI address.
    const addressUnknown = cudaGpus.some((gpu) => gpu.pciBusId === null);
    const missing = addressUnknown ? [] : onPci.filter((device) => !cudaGpus.some((gpu) => gpu.pciDevice?.address === device.address));
    if (missing.length > 0 || cudaGpus.length < onPci.length) {
      const named = missing.map((d) => `${d.address} (device ${d.deviceId}${d.boundDriver === null ? ', no driver bound' : d.boundDriver === 'nvidia' ? '' : `, bound to ${d.boundDriver}`})`);
      return {
        status: 'fail',
        reason: `${cudaGpus.length} of ${plural(onPci.length, 'NVIDIA GPU')} on PCI answer through the driver${named.length > 0 ? `; missing: ${named.join(', ')}` : ''}`,
        fix: `${KERNEL_LOG}; an Xid 79 means the GPU fell off the bus: drain, then reset or reseat it`,
      };
    }
  }
  if (expected !== null && cudaGpus.length < expected.count) {
    return { status: 'fail', reason: `the driver shows ${plural(cudaGpus.length, 'GPU')}, fewer than expected${expectation}`, fix: `${KERNEL_LOG}; reseat or replace the missing GPU, or correct the expectation` };
  }
  if (cudaGpus.length === 0) return { status: 'skip', reason: `no NVIDIA GPU on this node${expectation}`, fix: null };
  return { status: 'pass', reason: `${plural(cudaGpus.length, 'GPU')} answer through the driver${onPci === null ? '' : `, ${onPci.length} on PCI`}${expectation}`, fix: null };
}

function driverErrorFix(gpuError: string | null): string {
  if (gpuError !== null && /INSUFFICIENT_DRIVER|\(35\)/.test(gpuError)) return 'the user-space driver (libcuda.so.1) and the kernel module are from different driver versions: reinstall one driver version, then reboot or reload the module';
  if (gpuError !== null && /NO_DEVICE|\(100\)/.test(gpuError)) return `the driver sees no device although PCI lists one: ${KERNEL_LOG}`;
  return `${KERNEL_LOG}; if the driver reports errors, reset the GPU (nvidia-smi -r) or reboot`;
}

/** "GPU 5 (0000:06:00.0)", "GPU 1 (0000:3b:00.0, GPU-60718293-...)", "GPU 9 (PCI address unknown)". */
function describeJobGpu(gpu: JobGpu): string {
  return `GPU ${gpu.name} (${[gpu.pciBusId ?? 'PCI address unknown', ...(gpu.uuid !== null && gpu.uuid !== gpu.name ? [gpu.uuid] : [])].join(', ')})`;
}

function describeGpus(gpus: readonly GpuRecord[]): string {
  return `${plural(gpus.length, 'GPU')} (${gpus.map((gpu) => gpu.name ?? 'unnamed').join(', ')})`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
