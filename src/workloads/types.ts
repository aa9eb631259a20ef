import type { DataAccess } from '../datasets/types.js';
import type { ComputeGpu } from '../engines/compute-gpu.js';
import type { EngineSession, Progress } from '../engines/types.js';
import type { OnnxSession } from '../engines/onnx/session.js';
import type { PythonSession } from '../engines/python/session.js';
import type { TfjsSession } from '../engines/tfjs/session.js';

export type { DataAccess, Progress };

export type ProfileId = 'smoke' | 'quick' | 'standard' | 'reference';
export const PROFILE_IDS: readonly ProfileId[] = ['smoke', 'quick', 'standard', 'reference'];

/** A number a workload measured. Judging (thresholds, references) happens in src/references. */
export interface Measurement {
  value: number;
  unit: string;
}

export type ParamValue = number | string | boolean;


/** One of a classifier's best answers for an image. */
export interface RankedLabel {
  /** The model's output index, where the workload knows it. */
  index?: number;
  /** The class name, e.g. "giant panda, panda, panda bear, ...". */
  label: string;
  score: number;
}

/** What a classifier answered for each image it was shown, unjudged (src/references judges it against the expected labels). */
export interface ImageClassifications {
  /** The model's id (its sidecar's): the expected labels' score floors are per model. */
  modelId: string;
  /** One entry per image of ctx.images, in that order. */
  images: ClassifiedImage[];
}

export interface ClassifiedImage {
  /** The image's key in the imagenet-images dataset (an entry of ctx.images). */
  image: string;
  file?: string;
  /** The top-k answers, best first; empty when the output named none. */
  top5: RankedLabel[];
  /** The index in `lines` just after this image's printed answers, where a note on it belongs; absent: the lines have no block of its own. */
  linesEnd?: number;
}

export interface WorkloadContext {
  profile: ProfileId;
  seed: number;
  /** The workload's hyperparameters after the profile's overrides (references/profiles.yaml). */
  params: Readonly<Record<string, ParamValue>>;
  data: DataAccess;
  /** The case's own output directory (PNG files, etc.); it exists. */
  outDir: string;
  signal: AbortSignal;
  progress(event: Progress): void;
  /** The imagenet-images keys a workload that `classifiesImages` classifies, in order (the images the profile's expected labels name). */
  images?: readonly string[];
  /** The GPUs in scope, each with why it is not computed on, if so; absent or empty when none are known (no probe). */
  gpus?: readonly ComputeGpu[];
}

export interface WorkloadOutput {
  metrics: Record<string, Measurement>;
  /** Every hyperparameter actually used, recorded in the report. */
  hyperparameters: Record<string, ParamValue | readonly ParamValue[]>;
  /** What the manual prints, e.g. "giant panda (score = 0.89107)" lines; shown on the console. */
  lines?: string[];
  /** Structured extras for the report (validation curve, predictions, top-5). */
  details?: Record<string, unknown>;
  /** A workload that `classifiesImages`: its answers per image, which the runner judges against the expected labels. */
  classifications?: ImageClassifications;
  /** Files written into ctx.outDir (absolute paths). */
  artifacts?: string[];
  /**
   * Metrics this implementation cannot measure, with why (the manual's installed example scripts
   * print only some): their thresholds are not applied, and the report says so.
   */
  unmeasured?: Record<string, string>;
}

export type WorkloadRun<S extends EngineSession> = (session: S, ctx: WorkloadContext) => Promise<WorkloadOutput>;

export interface Workload {
  readonly id: string;
  readonly title: string;
  /** Dataset ids the workload reads; a missing one makes the case `skip` with the staging command. */
  readonly datasets: readonly string[];
  /** It classifies the images of ctx.images and returns its answers (`classifications`); the profile's expected labels judge them. */
  readonly classifiesImages?: boolean;
  /** Hyperparameter defaults: the manual's values (the `reference` profile). */
  readonly defaults: Readonly<Record<string, ParamValue>>;
  /**
   * False for a workload that only infers (hello, inception): the tfjs engine then skips loading
   * the gradient functions, about a second of start-up. Default true.
   */
  readonly training?: boolean;
  /**
   * At most this many threads per case: hello's work takes milliseconds, less than starting a
   * wasm worker pool. Default: as many as the case may use.
   */
  readonly maxThreads?: number;
  /** It checks every GPU in scope (hello), not only the first: the engine opens on each. */
  readonly computesOnEveryGpu?: boolean;
  /** One implementation per engine it supports. */
  readonly engines: {
    readonly tfjs?: WorkloadRun<TfjsSession>;
    readonly onnx?: WorkloadRun<OnnxSession>;
    readonly python?: WorkloadRun<PythonSession>;
  };
}
