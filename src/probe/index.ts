import { collectProbeFacts, type CollectProbeOptions } from './collect.js';
import { judgeProbe } from './judge.js';
import type { ExpectedGpus, ProbeSnapshot } from './types.js';

export type {
  ProbeSnapshot,
  CpuSnapshot,
  GpuSnapshot,
  GpuComputeMode,
  Verdict,
  VerdictStatus,
  DriverSnapshot,
  OsEnabledState,
  GpuErrorKind,
  ExpectedGpus,
  NodeClassExpectation,
  PackageSelection,
  PciGpu,
  PciGpuScan,
  KernelModuleState,
  JobGpuScope,
  JobGpu,
  InstalledPackages,
  GpuHealth,
  GpuHealthFacts,
  GpuChecks,
  HealthCheckId,
  HealthFinding,
  KernelLogSummary,
  XidEvent,
  XidSeverity,
  EngineCudaNeed,
  ComputeProcessInfo,
  GpuRecord,
  JudgedGpuRecord,
  ProbeFacts,
} from './types.js';
export { HEALTH_CHECKS } from './health-types.js';
export { gpuLabel } from './health-rules.js';
export { clockReasonNames } from './health-checks.js';
export { parseKernelLog, readKernelLog, type KernelLog, type KernelRecord } from './kernel-log.js';
export { extractXids, classifyXids, pciDeviceAddress, type LoggedXid } from './xid-events.js';
export { loadXidCatalog, defaultXidCatalogFile, type XidCatalog, type XidMeaning } from './xid-catalog.js';
export { loadHealthThresholds, defaultHealthThresholdsFile, type HealthThresholds } from './health-thresholds.js';
export { PROBE_SCHEMA_VERSION } from './types.js';
export { evaluateRules, type EvaluateRulesOptions } from './rules.js';
export { parsePackageName, type ParsedPackageName, type Accelerator } from './package-name.js';
export { MANUAL_RULES, RULE_FAMILIES, type RuleFamily } from './rules-data.js';
export { MANUAL_PACKAGE_FAMILIES, manualPackageNames, type PackageFamily } from './packages-data.js';
export { DEFAULT_GPU_TIMEOUT_MS } from './gpu.js';
export { collectProbeFacts, type CollectProbeOptions } from './collect.js';
export { judgeProbe, type JudgeProbeOptions } from './judge.js';
export { gpuRecordsOf } from './gpu-records.js';

export interface ProbeNodeOptions extends CollectProbeOptions {
  /** --expect-gpus: how many GPUs the node must show. */
  expectedGpus?: ExpectedGpus | null;
}

/**
 * Probes this node's CPU, memory and NVIDIA GPUs and judges them against the manual's rules:
 * collect, then judge once. A caller that matches a node class collects, matches on the facts,
 * then judges with the class's expectations (check/take-probe.ts).
 */
export async function probeNode(options: ProbeNodeOptions = {}): Promise<ProbeSnapshot> {
  const { expectedGpus, ...collect } = options;
  return judgeProbe(await collectProbeFacts(collect), { expectedGpus: expectedGpus ?? null });
}

/**
 * True when this node has NVIDIA GPUs by any witness, the PCI bus or the driver, and the job (if
 * any) was given some: its engines must then run on their GPU backends, never fall back to the CPU.
 */
export function hasNvidiaGpus(snapshot: Pick<ProbeSnapshot, 'pci' | 'gpus' | 'jobScope'>): boolean {
  const onNode = snapshot.pci.devices.length > 0 || snapshot.gpus.length > 0;
  return onNode && (snapshot.jobScope === null || snapshot.jobScope.count > 0);
}
