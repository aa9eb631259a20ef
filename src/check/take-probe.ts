import { installedEngineCudaNeeds } from '../engines/cuda-needs.js';
import { collectProbeFacts, judgeProbe, type JudgeProbeOptions, type ProbeFacts, type ProbeNodeOptions, type ProbeSnapshot } from '../probe/index.js';
import type { NodeClass, NodeReferenceFile } from '../references/node-references.js';
import { describeError } from '../util/errors.js';

export interface TakenProbe {
  /** The judged snapshot; null when the probe itself failed, or none was asked for (the run goes on without it). */
  probe: ProbeSnapshot | null;
  nodeClass: NodeClass | null;
}

export interface TakeProbeOptions {
  /** What to collect, and --expect-gpus (`expectedGpus`), which wins over the node class's GPU count. */
  probe: ProbeNodeOptions;
  /** Chooses the node class on the facts (by GPU or CPU model); it sees null when the probe failed. Throws for a class that cannot be chosen (an unknown --node-class). */
  chooseNodeClass: (facts: ProbeFacts | null) => NodeClass | null;
  /** The node-reference file the class comes from (named in the node-class verdict). */
  references: NodeReferenceFile;
  /** Told when a step of the probe failed; the check goes on without it. */
  onProbeFailed?: (reason: string) => void;
}

/**
 * Probe, node class, verdicts, each once: collects the node's facts, chooses its node class on
 * them, then judges the facts once against --expect-gpus (else the class's GPU count) and the
 * class's other expectations. Every probe judges the driver against the engines installed here
 * (gpu-driver-compat).
 */
export async function takeProbe(options: TakeProbeOptions): Promise<TakenProbe> {
  const { expectedGpus, ...collect } = options.probe;
  const facts = await probeStep(options, () => collectProbeFacts({ engineCudaNeeds: installedEngineCudaNeeds(), ...collect }));
  const nodeClass = options.chooseNodeClass(facts);
  if (facts === null) return { probe: null, nodeClass };
  const expectations = nodeClassExpectations(nodeClass, options.references);
  const probe = await probeStep(options, async () => judgeProbe(facts, { ...expectations, expectedGpus: expectedGpus ?? expectations.expectedGpus ?? null }));
  return { probe, nodeClass };
}

async function probeStep<T>(options: TakeProbeOptions, step: () => Promise<T>): Promise<T | null> {
  try {
    return await step();
  } catch (error) {
    options.onProbeFailed?.(describeError(error));
    return null;
  }
}

/** A node class's expectations (references/nodes.yaml `expect`): its GPU count, and the rest for the node-class verdict. */
function nodeClassExpectations(nodeClass: NodeClass | null, references: NodeReferenceFile): Pick<JudgeProbeOptions, 'expectedGpus' | 'nodeClass'> {
  const expect = nodeClass?.expect;
  if (nodeClass === null || expect === undefined) return {};
  const source = `node class ${nodeClass.id} (${references.file})`;
  return {
    ...(expect.gpus !== undefined && { expectedGpus: { count: expect.gpus, source } }),
    nodeClass: {
      id: nodeClass.id,
      source: references.file,
      ...(expect.gpuModel !== undefined && { gpuModel: expect.gpuModel }),
      ...(expect.gpuMemoryGiB !== undefined && { gpuMemoryGiB: expect.gpuMemoryGiB }),
      ...(expect.driver !== undefined && { minDriverVersion: expect.driver }),
      ...(expect.mig !== undefined && { mig: expect.mig }),
    },
  };
}
