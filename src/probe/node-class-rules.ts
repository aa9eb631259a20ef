import type { GpuRecord, NodeClassExpectation, ProbeFacts, VerdictStatus } from './types.js';

export type NodeClassFacts = Pick<ProbeFacts, 'driver'> & { gpus: readonly GpuRecord[]; nodeClass?: NodeClassExpectation | null };

export interface NodeClassJudgement {
  status: VerdictStatus;
  reason: string;
  fix: string | null;
}

const GIB = 1024 ** 3;

/**
 * `node-class`: a node is what its class in references/nodes.yaml says it is (GPU model, memory
 * per GPU, minimum driver, MIG mode), as aznhc checks each VM type. Each difference names both
 * values; the GPU count is gpu-count's.
 */
export function judgeNodeClass(facts: NodeClassFacts): NodeClassJudgement | null {
  const expected = facts.nodeClass;
  if (expected === undefined || expected === null) return null;
  const checks: string[] = [];
  const differences: string[] = [];
  const gpus = facts.gpus;
  if (expected.gpuModel !== undefined) {
    checks.push(`GPU model /${expected.gpuModel}/`);
    const pattern = new RegExp(expected.gpuModel, 'i');
    for (const gpu of gpus) if (!pattern.test(gpu.name ?? '')) differences.push(`${describe(gpu)} is ${gpu.name ?? 'unnamed'}, expected /${expected.gpuModel}/`);
  }
  if (expected.gpuMemoryGiB !== undefined) {
    checks.push(`>= ${expected.gpuMemoryGiB} GiB per GPU`);
    for (const gpu of gpus) {
      const memoryBytes = gpu.driverFacts.memoryBytes;
      if (memoryBytes === null) differences.push(`${describe(gpu)}: memory not reported, expected >= ${expected.gpuMemoryGiB} GiB`);
      else if (memoryBytes / GIB < expected.gpuMemoryGiB) differences.push(`${describe(gpu)} has ${(memoryBytes / GIB).toFixed(1)} GiB, expected >= ${expected.gpuMemoryGiB} GiB`);
    }
  }
  if (expected.minDriverVersion !== undefined) {
    checks.push(`driver >= ${expected.minDriverVersion}`);
    const found = facts.driver?.version ?? null;
    if (found === null) differences.push(`the driver version could not be read, expected >= ${expected.minDriverVersion}`);
    else if (compareVersions(found, expected.minDriverVersion) < 0) differences.push(`driver ${found}, expected >= ${expected.minDriverVersion}`);
  }
  if (expected.mig !== undefined) {
    checks.push(`MIG ${expected.mig ? 'on' : 'off'}`);
    for (const gpu of gpus) {
      const migMode = gpu.driverFacts.migMode;
      const current = migMode?.current ?? false;
      if (current !== expected.mig) differences.push(`${describe(gpu)} has MIG ${migMode === null ? 'unsupported' : current ? 'on' : 'off'}, expected ${expected.mig ? 'on' : 'off'}`);
    }
  }
  if (checks.length === 0) return null;
  const where = `node class ${expected.id} (${expected.source})`;
  if (differences.length > 0) {
    return {
      status: 'fail',
      reason: `${where}: ${differences.join('; ')}`,
      fix: 'the node is not what its class says: replace or reconfigure the part named, or move the node to the right class in references/nodes.yaml',
    };
  }
  return { status: 'pass', reason: `${where}: ${checks.join(', ')}${gpus.length > 0 ? ` on all ${gpus.length} GPUs` : ''}`, fix: null };
}

function describe(gpu: GpuRecord): string {
  return `GPU ${gpu.index} (${gpu.pciBusId ?? 'no PCI address'})`;
}

/** "550.54.15" against "535.104.05", part by part as numbers. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
