import { MlcheckError } from '../../util/errors.js';
import type { NodePlacement } from './profile-file.js';
import type { OnnxProvider } from '../types.js';

/** ONNX Runtime's names for the providers (kCpuExecutionProvider, kCudaExecutionProvider, kTensorrtExecutionProvider). */
export const ORT_PROVIDER_NAMES: Readonly<Record<OnnxProvider, string>> = {
  cpu: 'CPUExecutionProvider',
  cuda: 'CUDAExecutionProvider',
  tensorrt: 'TensorrtExecutionProvider',
};

/**
 * Which nodes must run on the GPU when a GPU provider was asked for:
 *  - every-node: a graph built to run there entirely (hello);
 *  - compute-nodes: convolutions and matrix products; ONNX Runtime deliberately places small
 *    shape computations on the CPU (fallback_cpu_capability.cc), which is not a fault.
 */
export type PlacementScope = 'every-node' | 'compute-nodes';

/** Conv / MatMul / Gemm and the fused and quantised forms ONNX Runtime rewrites them into. */
const COMPUTE_OP = /^(Nhwc)?(Fused)?(Conv|ConvTranspose|MatMul|Gemm)$|^QLinear(Conv|MatMul)$|^(Conv|MatMul)Integer$/;

export interface PlacementJudgement {
  requested: OnnxProvider;
  scope: PlacementScope;
  /** Providers a judged node may run on (TensorRT hands what it cannot build to CUDA, by design). */
  allowedProviders: string[];
  /** Judged nodes that ran on the CPU although a GPU provider was asked for. */
  nodesOnCpu: NodePlacement[];
  judgedNodes: number;
  placement: NodePlacement[];
}

export function judgePlacement(placement: readonly NodePlacement[], requested: OnnxProvider, scope: PlacementScope, profileFile: string): PlacementJudgement {
  if (placement.length === 0) {
    throw new MlcheckError('internal', `ONNX Runtime's profile ${profileFile} records no node runs: where the graph ran cannot be told`, {
      file: profileFile,
      expected: 'events of category "Node" named <node>_kernel_time',
    });
  }
  const allowedProviders = requested === 'tensorrt' ? [ORT_PROVIDER_NAMES.tensorrt, ORT_PROVIDER_NAMES.cuda] : [ORT_PROVIDER_NAMES[requested]];
  const judged = placement.filter((p) => scope === 'every-node' || COMPUTE_OP.test(p.opType));
  const nodesOnCpu = requested === 'cpu' ? [] : judged.filter((p) => !allowedProviders.includes(p.provider));
  return { requested, scope, allowedProviders, nodesOnCpu, judgedNodes: judged.length, placement: [...placement] };
}

/** One line per misplaced node, e.g. "MatMul matmul_2 ran on CPUExecutionProvider although cuda was asked for". */
export function describeMisplaced(judgement: PlacementJudgement): string[] {
  return judgement.nodesOnCpu.map((p) => `${p.opType} ${p.node} ran on ${p.provider} although ${judgement.requested} was asked for`);
}
