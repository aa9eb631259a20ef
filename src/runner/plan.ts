import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chosenDataDir } from '../datasets/locations.js';
import type { ComputeGpu } from '../engines/compute-gpu.js';
import { engineOptionsDefinition } from '../engines/option-definitions.js';
import { DEFAULT_ENGINE_IDS, ENGINE_BACKENDS, ENGINE_GPU_BACKEND, ENGINE_IDS, type EngineId } from '../engines/types.js';
import { UsageError } from '../util/errors.js';
import { builtinWorkloads } from '../workloads/index.js';
import type { ExpectedLabelsFile } from '../references/expected-labels.js';
import type { NodeClass } from '../references/node-references.js';
import { workloadProfile, type ProfileFile } from '../references/profiles.js';
import type { Workload } from '../workloads/types.js';
import { expectedLabelsOnce, planJudgement } from './plan-judgement.js';
import { caseArtifactsDir } from './run-dir.js';
import type { CaseSpec, PlanRequest } from './types.js';

/** The watchdog for a workload that its profile gives no timeout for. */
export const DEFAULT_TIMEOUT_SECONDS = 600;

export interface PlanOptions extends PlanRequest {
  profiles: ProfileFile;
  outDir: string;
  /**
   * The probe saw an NVIDIA GPU. Without --backend, each engine then runs on its GPU backend: a
   * GPU node whose CUDA path is broken must not pass by quietly falling back to the CPU.
   */
  gpuPresent?: boolean;
  /** The GPUs the cases compute on (runner/compute-gpus.ts), handed to every case. */
  gpus?: readonly ComputeGpu[];
  /** Workloads that are not shipped (test fixtures): a module path exporting `workload`. */
  extraWorkloadModules?: readonly string[];
  /** The node class whose performance references judge the cases; null or absent: only thresholds judge. */
  nodeClass?: NodeClass | null;
  /** The expected labels of workloads that classify images; default: references/expected-labels.yaml, read when such a workload is planned. */
  expectedLabels?: ExpectedLabelsFile;
}

/** The plan: workloads × engines × backends, as case specs in execution order. */
export async function planCases(options: PlanOptions): Promise<CaseSpec[]> {
  const available = new Map<string, { workload: Workload; module?: string }>();
  for (const workload of builtinWorkloads) available.set(workload.id, { workload });
  for (const module of options.extraWorkloadModules ?? []) {
    const absolute = path.resolve(module);
    const { workload } = (await import(pathToFileURL(absolute).href)) as { workload: Workload };
    available.set(workload.id, { workload, module: absolute });
  }

  // Without names, a profile runs the workloads it lists (smoke: hello only; the others: all five).
  const listed = builtinWorkloads.map((w) => w.id).filter((id) => id in options.profiles.profiles[options.profile].workloads);
  const requested = options.workloads?.length ? options.workloads : listed;
  for (const id of requested) {
    if (!available.has(id)) {
      throw new UsageError(`unknown workload "${id}"`, { expected: `one of ${[...available.keys()].join(', ')}` });
    }
  }
  for (const backend of options.backends ?? []) {
    const engines = (options.engines?.length ? options.engines : DEFAULT_ENGINE_IDS).filter((e) => ENGINE_BACKENDS[e].includes(backend));
    if (engines.length === 0) {
      const known = (options.engines?.length ? options.engines : DEFAULT_ENGINE_IDS).map((e) => `${e}: ${ENGINE_BACKENDS[e].join(', ')}`).join('; ');
      throw new UsageError(`unknown backend "${backend}"`, { expected: known });
    }
  }

  const dataDir = chosenDataDir(options.dataDir);
  const cases: CaseSpec[] = [];
  const expectedLabels = expectedLabelsOnce(options.expectedLabels);
  for (const id of requested) {
    const { workload, module } = available.get(id)!;
    const profile = workloadProfile(options.profiles, options.profile, id);
    const params = { ...workload.defaults, ...profile.params, ...(options.paramOverrides?.[id] ?? {}) };
    const engines = ENGINE_IDS.filter((e) => workload.engines[e] && (options.engines?.length ? options.engines.includes(e) : DEFAULT_ENGINE_IDS.includes(e)));
    for (const engine of engines) {
      const judged = planJudgement({
        profiles: options.profiles,
        profile: options.profile,
        workload: id,
        engine,
        classifiesImages: workload.classifiesImages === true,
        nodeClass: options.nodeClass ?? null,
        expectedLabels,
      });
      const backends: (string | undefined)[] = options.backends?.length
        ? options.backends.filter((b) => ENGINE_BACKENDS[engine].includes(b))
        : defaultBackends(engine, options);
      for (const backend of backends) {
        const caseId = [id, engine, backend].filter(Boolean).join('/');
        cases.push({
          id: caseId,
          workload: id,
          engine,
          ...(backend !== undefined && { backend }),
          profile: options.profile,
          seed: options.seed,
          params,
          timeoutSeconds: options.timeoutSeconds ?? profile.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
          threads: Math.min(options.threads ?? os.availableParallelism(), workload.maxThreads ?? Infinity),
          ...(dataDir !== undefined && { dataDir }),
          outDir: caseArtifactsDir(options.outDir, caseId),
          ...(module !== undefined && { workloadModule: module }),
          ...judged,
          ...(options.engineOptions?.[engine] !== undefined && { engineOptions: options.engineOptions[engine] }),
          ...(options.gpus !== undefined && options.gpus.length > 0 && { gpus: options.gpus.map((gpu) => ({ ...gpu })) }),
        });
      }
    }
  }
  if (cases.length === 0) {
    throw new UsageError(`no case to run: none of ${requested.join(', ')} runs on ${options.engines?.join(', ') ?? 'any engine'}`);
  }
  return cases;
}

/** Without --backend: what the engine's options plan (python: one per framework), else its GPU backend on a GPU node, else its best available. */
function defaultBackends(engine: EngineId, options: PlanOptions): (string | undefined)[] {
  const planned = engineOptionsDefinition(engine)?.plannedBackends?.(options.engineOptions?.[engine], options.gpuPresent === true);
  return planned !== undefined ? [...planned] : [options.gpuPresent ? ENGINE_GPU_BACKEND[engine] : undefined];
}
