import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { MlcheckError } from '../../util/errors.js';

/** Where one graph node ran, from ONNX Runtime's profile. */
export interface NodePlacement {
  /** The node's name in the (optimised) graph. */
  node: string;
  opType: string;
  /** The execution provider that ran it, e.g. "CUDAExecutionProvider". */
  provider: string;
  /** How many times it ran while profiling. */
  runs: number;
}

/**
 * Stops ONNX Runtime's profiler and returns the file it wrote. onnxruntime-node 1.30's
 * endProfiling() returns nothing, so the file is found by its name: ORT writes
 * `<profileFilePrefix>_<date>_<time>.json` (SessionOptions.profileFilePrefix, an absolute path
 * under the case's directory). Profiling stops there: later runs are neither slowed nor recorded.
 */
export function endProfiling(inference: InferenceSession, profileFilePrefix: string): string {
  const started = Date.now();
  inference.endProfiling();
  const dir = path.dirname(profileFilePrefix);
  const stem = `${path.basename(profileFilePrefix)}_`;
  const written = readdirSync(dir)
    .filter((name) => name.startsWith(stem) && name.endsWith('.json'))
    .map((name) => path.join(dir, name))
    .sort((x, y) => statSync(y).mtimeMs - statSync(x).mtimeMs);
  const file = written[0];
  if (file === undefined) {
    throw new MlcheckError('internal', `ONNX Runtime wrote no profile ${profileFilePrefix}_*.json (profiling ended after ${Date.now() - started} ms)`, {
      file: dir,
      expected: 'a session created with enableProfiling and this profileFilePrefix',
    });
  }
  return file;
}

/**
 * Reads the profile (Chrome trace events): every node run is an event of category "Node" named
 * `<node>_kernel_time` whose args give op_name and provider.
 */
export function readNodePlacement(file: string): NodePlacement[] {
  let events: unknown;
  try {
    events = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new MlcheckError('internal', `cannot read ONNX Runtime's profile ${file}: ${(error as Error).message}`, { file, cause: error });
  }
  if (!Array.isArray(events)) throw new MlcheckError('internal', `ONNX Runtime's profile ${file} is not a list of trace events`, { file, expected: '[{cat, name, args}, ...]' });
  const byNode = new Map<string, NodePlacement>();
  for (const event of events as { cat?: unknown; name?: unknown; args?: { op_name?: unknown; provider?: unknown } }[]) {
    if (event?.cat !== 'Node' || typeof event.name !== 'string' || !event.name.endsWith('_kernel_time')) continue;
    const node = event.name.slice(0, -'_kernel_time'.length);
    const opType = typeof event.args?.op_name === 'string' ? event.args.op_name : '?';
    const provider = typeof event.args?.provider === 'string' ? event.args.provider : 'unknown';
    const key = `${node}\u0000${provider}`;
    const seen = byNode.get(key);
    if (seen) seen.runs++;
    else byNode.set(key, { node, opType, provider, runs: 1 });
  }
  return [...byNode.values()];
}
