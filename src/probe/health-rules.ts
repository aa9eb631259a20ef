/**
 * The GPU health verdicts: one per check, the worst over the GPUs, the reason naming each GPU
 * that does not pass by index, PCI address and UUID. Like gpu-driver and gpu-count they decide
 * the node (`appliesToNode`): a `fail` fails `mlcheck run`.
 */
import { describeXids } from './health-checks.js';
import { HEALTH_CHECKS, type EngineCudaNeed, type HealthCheckId, type HealthFinding, type XidEvent } from './health-types.js';
import { noGpusGiven } from './job-gpu-identity.js';
import { pciDeviceAddress } from './xid-events.js';
import type { JudgedGpuRecord, ProbeFacts, Verdict, VerdictStatus } from './types.js';

/** The facts the health verdicts read: each GPU's record with its checks' findings, and the node's facts. */
export type HealthFacts = Pick<ProbeFacts, 'pci' | 'gpuError' | 'driver' | 'jobScope' | 'kernelLog' | 'engineCudaNeeds' | 'gpuProcessesChecked'> & {
  gpus: readonly JudgedGpuRecord[];
};

type Judgement = { status: VerdictStatus; reason: string };

const SEVERITY: Record<VerdictStatus, number> = { pass: 0, skip: 1, warn: 2, fail: 3 };

const FIXES: Record<HealthCheckId, Partial<Record<VerdictStatus, string>>> = {
  'gpu-ecc': {
    fail: 'drain the node; a GPU reset (nvidia-smi -r -i <index>) or reboot clears the volatile count; if errors come back, run dcgmi diag -r 3 or the field diagnostics and RMA the GPU',
    warn: 'enable ECC (nvidia-smi -i <index> -e 1) and reset the GPU or reboot to apply a pending mode change; watch a GPU with aggregate uncorrectable errors (nvidia-smi -q -d ECC)',
  },
  'gpu-memory': {
    fail: 'drain the node and reset the GPU (nvidia-smi -r -i <index>) or reboot to apply pending page retirements or row remappings; a failed remapping or too many retired pages: RMA the GPU',
    warn: 'plan to replace the GPU: it is using up its spare memory (nvidia-smi -q -d PAGE_RETIREMENT,ROW_REMAPPER)',
  },
  'gpu-pcie': {
    fail: 'reseat the GPU and its riser or cable; compare LnkSta with LnkCap in lspci -vvv -s <pci address> and check the slot settings in the BIOS',
    warn: 'check the slot generation in the BIOS and with lspci -vvv -s <pci address> (LnkSta against LnkCap); reseat the GPU',
  },
  'gpu-clocks': {
    fail: 'check cooling and airflow (nvidia-smi -q -d TEMPERATURE,PERFORMANCE) and the power supply: a power brake is asserted by the system (see the BMC event log)',
    warn: 'check cooling and airflow: nvidia-smi -q -d TEMPERATURE,PERFORMANCE',
  },
  'gpu-inforom': { fail: "the GPU's InfoROM is corrupted: ask the vendor for an InfoROM reflash or an RMA (nvidia-smi -q shows its versions)" },
  'gpu-xid': {
    fail: "drain the node and take NVIDIA's immediate action for each Xid (RESET_GPU: nvidia-smi -r -i <index>; RESTART_BM: reboot); the Xid stays in the kernel log until the next boot; one that comes back: RMA the GPU",
    warn: "see what ran when the Xid was logged (dmesg -T | grep -i xid); NVIDIA's Xid catalogue: https://docs.nvidia.com/deploy/xid-errors/",
    skip: 'run mlcheck as root (Slurm prologs and health checks do), or add its user to the systemd-journal group so that journalctl -k -b works',
  },
  'gpu-driver-compat': {
    fail: "install an NVIDIA driver that supports the CUDA version named (NVIDIA's CUDA Toolkit release notes list the minimum driver per CUDA version), or remove the engine build that needs it",
  },
  'gpu-persistence': { warn: 'enable persistence mode: systemctl enable --now nvidia-persistenced (or nvidia-smi -pm 1)' },
  'gpu-processes': { fail: "end the processes left on the job's GPUs (the PIDs named), or drain the node until they are gone" },
};

/** "GPU 2 (0000:3a:00.0, GPU-a2b3c4d5-...)". */
export function gpuLabel(gpu: { index: number; pciBusId: string | null; uuid: string | null }): string {
  return `GPU ${gpu.index} (${gpu.pciBusId ?? 'PCI address unknown'}, ${gpu.uuid ?? 'UUID unknown'})`;
}

/** Empty for a CPU node. */
export function healthVerdicts(facts: HealthFacts): Verdict[] {
  const gpus = facts.gpus;
  if (facts.pci.devices.length === 0 && gpus.length === 0) return [];
  const verdicts: Verdict[] = [];
  for (const check of HEALTH_CHECKS) {
    if (check === 'gpu-processes' && !facts.gpuProcessesChecked) continue;
    const judgement = check === 'gpu-driver-compat' ? judgeDriverCompat(facts) : check === 'gpu-xid' ? judgeXidVerdict(facts, gpus) : combine(check, gpus, facts);
    verdicts.push({ subject: check, kind: 'gpu', ...judgement, fix: judgement.status === 'pass' ? null : FIXES[check][judgement.status] ?? null, appliesToNode: true });
  }
  return verdicts;
}

/** Why no GPU was judged: the job has none, none of its GPUs answers, or the driver shows none. */
function nothingJudged(facts: HealthFacts): string {
  const scope = facts.jobScope;
  if (scope !== null && scope.count === 0) return `${noGpusGiven(scope)}: none of the node's GPUs is the job's to judge`;
  if (facts.gpuError !== null) return `no GPU answers through the driver (see gpu-driver): ${facts.gpuError}`;
  if (scope !== null) return "none of the job's GPUs answers through the driver (see gpu-count)";
  return 'the driver shows no GPU';
}

function worst(statuses: readonly VerdictStatus[]): VerdictStatus {
  return statuses.reduce<VerdictStatus>((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a), 'pass');
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

function combine(check: HealthCheckId, gpus: readonly JudgedGpuRecord[], facts: HealthFacts): Judgement {
  const judged = gpus.flatMap((gpu) => {
    const finding = gpu.checks[check];
    return finding === undefined ? [] : [{ gpu, finding }];
  });
  if (judged.length === 0) return { status: 'skip', reason: nothingJudged(facts) };
  const status = worst(judged.map(({ finding }) => finding.status));
  if (status === 'pass') {
    const details = [...new Set(judged.map(({ finding }) => finding.detail))];
    return { status, reason: details.length === 1 ? `${judged.length === 1 ? 'GPU' : `all ${judged.length} GPUs`}: ${details[0]}` : judged.map(({ gpu, finding }) => `GPU ${gpu.index}: ${finding.detail}`).join('; ') };
  }
  return { status, reason: listFindings(judged) };
}

/** The GPUs that do not pass, worst first, then how many others pass. */
function listFindings(judged: ReadonlyArray<{ gpu: JudgedGpuRecord; finding: HealthFinding }>): string {
  const notPassing = judged.filter(({ finding }) => finding.status !== 'pass').sort((a, b) => SEVERITY[b.finding.status] - SEVERITY[a.finding.status] || a.gpu.index - b.gpu.index);
  const passing = judged.length - notPassing.length;
  const listed = notPassing.map(({ gpu, finding }) => `${gpuLabel(gpu)}: ${finding.detail}`);
  return [...listed, ...(passing > 0 ? [`${plural(passing, 'other GPU')} ${passing === 1 ? 'passes' : 'pass'}`] : [])].join('; ');
}

/**
 * gpu-xid: the judged GPUs' Xids, and those of addresses no judged GPU has (a GPU that fell off
 * the bus, or, inside a job, another job's GPU: that one only warns).
 */
function judgeXidVerdict(facts: HealthFacts, gpus: readonly JudgedGpuRecord[]): Judgement {
  const log = facts.kernelLog;
  if (log.error !== null) return { status: 'skip', reason: `the kernel log could not be read: ${log.error}` };
  const judged = gpus.flatMap((gpu) => (gpu.checks['gpu-xid'] === undefined ? [] : [{ gpu, finding: gpu.checks['gpu-xid'] }]));
  const judgedIndices = new Set(judged.map(({ gpu }) => gpu.index));
  const elsewhere = new Map<string, XidEvent[]>();
  for (const event of log.xids.filter((candidate) => candidate.gpuIndex === null || !judgedIndices.has(candidate.gpuIndex))) {
    const key = event.pciAddress ?? 'an unnamed device';
    elsewhere.set(key, [...(elsewhere.get(key) ?? []), event]);
  }
  const scope = facts.jobScope;
  // A job GPU the driver does not show (it fell off the bus) is still the job's: its Xids count.
  const missingJobGpu = (address: string) => scope?.gpus.find((gpu) => gpu.gpuIndex === null && gpu.pciBusId !== null && pciDeviceAddress(gpu.pciBusId) === address);
  const others = [...elsewhere.entries()].map(([address, events]) => {
    const broken = events.some((event) => event.severity === 'fail');
    const jobGpu = missingJobGpu(address);
    const othersGpu = scope !== null && jobGpu === undefined;
    const status: VerdictStatus = broken && !othersGpu ? 'fail' : 'warn';
    const uuid = events.find((event) => event.uuid !== null)?.uuid;
    const what = jobGpu !== undefined ? `the job's GPU ${jobGpu.name}, which the driver does not show now` : othersGpu ? "not one of this job's GPUs" : 'a GPU the driver does not show now';
    return { status, text: `PCI ${address}${uuid === undefined ? '' : `, ${uuid}`}, ${what}: ${describeXids(events)}` };
  });
  const status = worst([...judged.map(({ finding }) => finding.status), ...others.map((other) => other.status)]);
  if (status === 'pass') return { status, reason: `no Xid in the kernel log since boot (${log.source ?? 'kernel log'})` };
  const parts = [listFindings(judged.filter(({ finding }) => finding.status !== 'pass')), ...others.map((other) => other.text)].filter((part) => part !== '');
  const quiet = judged.filter(({ finding }) => finding.status === 'pass').length;
  return { status, reason: [...parts, ...(quiet > 0 ? [`${plural(quiet, 'other GPU')} logged none`] : [])].join('; ') };
}

/** "12.4" against "11.2": negative when a is older. */
export function compareCudaVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/** gpu-driver-compat: the driver's CUDA version (cuDriverGetVersion) against what each installed engine needs. */
function judgeDriverCompat(facts: HealthFacts): Judgement {
  if (facts.jobScope !== null && facts.jobScope.count === 0) return { status: 'skip', reason: `${noGpusGiven(facts.jobScope)}: no engine of it runs on a GPU` };
  const needs: readonly EngineCudaNeed[] | null = facts.engineCudaNeeds;
  if (needs === null) return { status: 'skip', reason: 'the probe was not told which engines are installed (mlcheck run, probe, bench and slurm check tell it)' };
  const driver = facts.driver?.cudaVersion ?? null;
  if (driver === null) return { status: 'skip', reason: facts.gpuError !== null ? `the driver is unusable (see gpu-driver): ${facts.gpuError}` : 'the driver did not report the CUDA version it supports' };
  if (needs.length === 0) return { status: 'pass', reason: `no installed engine needs CUDA (the driver supports CUDA ${driver})` };
  const tooNew = needs.filter((need) => compareCudaVersions(driver, need.cudaVersion) < 0);
  if (tooNew.length > 0) {
    return { status: 'fail', reason: `the driver supports CUDA ${driver}, but ${tooNew.map((need) => `${need.engine} needs CUDA ${need.cudaVersion}`).join(' and ')}` };
  }
  return { status: 'pass', reason: `the driver supports CUDA ${driver}: ${needs.map((need) => `${need.engine} needs ${need.cudaVersion}`).join(', ')}` };
}
