import { publishGpuRecords } from './gpu-records.js';
import { judgeGpuHealth } from './health-checks.js';
import { loadHealthThresholds, type HealthThresholds } from './health-thresholds.js';
import { evaluateRules } from './rules.js';
import { PROBE_SCHEMA_VERSION, type ExpectedGpus, type JudgedGpuRecord, type NodeClassExpectation, type ProbeFacts, type ProbeSnapshot } from './types.js';

export interface JudgeProbeOptions {
  /** --expect-gpus, else the node class's GPU count; null or absent: only the PCI bus says how many. */
  expectedGpus?: ExpectedGpus | null;
  /** The node class's other expectations (model, memory, driver, MIG); absent when no class applies. */
  nodeClass?: NodeClassExpectation;
  /** The GPU health thresholds; default references/gpu-health.yaml, read on a GPU node only. */
  thresholds?: HealthThresholds;
}

/**
 * Judges the collected facts once: each GPU's health checks, then every verdict (the GPU checks,
 * the node class, the health verdicts, the rule families, the packages), into the published snapshot.
 */
export function judgeProbe(facts: ProbeFacts, options: JudgeProbeOptions = {}): ProbeSnapshot {
  const onGpuNode = facts.pci.devices.length > 0 || facts.gpus.length > 0;
  const thresholds = onGpuNode ? (options.thresholds ?? loadHealthThresholds()) : null;
  const gpus: JudgedGpuRecord[] = facts.gpus.map((gpu) => ({
    ...gpu,
    checks:
      thresholds === null
        ? {}
        : judgeGpuHealth(gpu, {
            thresholds,
            nvmlError: facts.nvmlError,
            nvmlMissing: facts.missingSymbols.nvml,
            kernelLogError: facts.kernelLog.error,
            checkProcesses: facts.gpuProcessesChecked,
          }),
  }));
  const expectedGpus = options.expectedGpus ?? null;
  const nodeClass = options.nodeClass === undefined ? {} : { nodeClass: options.nodeClass };
  const verdicts = evaluateRules({ ...facts, gpus, expectedGpus, ...nodeClass });
  const published = publishGpuRecords(gpus);
  // The published key order: `mlcheck probe --json` and stored reports keep theirs.
  return {
    schemaVersion: PROBE_SCHEMA_VERSION,
    source: facts.source,
    fallbackReason: facts.fallbackReason,
    hostname: facts.hostname,
    cpu: facts.cpu,
    memory: facts.memory,
    driver: facts.driver,
    gpus: published.gpus,
    gpuError: facts.gpuError,
    gpuErrorKind: facts.gpuErrorKind,
    nvmlError: facts.nvmlError,
    gpuTimedOut: facts.gpuTimedOut,
    missingSymbols: facts.missingSymbols,
    pci: facts.pci,
    kernelModule: facts.kernelModule,
    jobScope: facts.jobScope,
    expectedGpus,
    packages: facts.packages,
    health: published.health,
    kernelLog: facts.kernelLog,
    engineCudaNeeds: facts.engineCudaNeeds,
    gpuProcessesChecked: facts.gpuProcessesChecked,
    ...nodeClass,
    verdicts,
  };
}
