import { resolveCaseJudgement } from '../references/case-judgement.js';
import { loadExpectedLabelsFile, type ExpectedLabelsFile } from '../references/expected-labels.js';
import type { NodeClass } from '../references/node-references.js';
import type { ProfileFile } from '../references/profiles.js';
import type { EngineId } from '../engines/types.js';
import { findWorkload } from '../workloads/index.js';
import type { ProfileId } from '../workloads/types.js';
import type { CaseSpec } from './types.js';

export interface PlanJudgementOptions {
  profiles: ProfileFile;
  profile: ProfileId;
  workload: string;
  engine: EngineId;
  classifiesImages: boolean;
  nodeClass: NodeClass | null;
  /** The expected labels, read the first time a workload that classifies images asks (a bad file is then a usage error). */
  expectedLabels: () => ExpectedLabelsFile;
}

/** A case's judgement, and for a workload that classifies images the images its expected labels name, in their order. */
export function planJudgement(options: PlanJudgementOptions): Pick<CaseSpec, 'judgement' | 'images'> {
  const judgement = resolveCaseJudgement({ ...options, expectedLabels: options.classifiesImages ? options.expectedLabels() : null });
  return { judgement, ...(judgement.expectedLabels !== undefined && { images: judgement.expectedLabels.labels.map((label) => label.image) }) };
}

/** Reads the shipped expected labels once, on first use. */
export function expectedLabelsOnce(file?: ExpectedLabelsFile): () => ExpectedLabelsFile {
  let loaded = file;
  return () => (loaded ??= loadExpectedLabelsFile());
}

/** A plan from an mlcheck that kept no judgements in run.json: each case's is resolved now, from the files as they are. */
export function judgeOlderPlan(plan: readonly CaseSpec[], profiles: ProfileFile, nodeClass: NodeClass | null): CaseSpec[] {
  const expectedLabels = expectedLabelsOnce();
  return plan.map((spec) => {
    if ((spec as Partial<CaseSpec>).judgement !== undefined) return spec;
    const classifiesImages = findWorkload(spec.workload)?.classifiesImages === true;
    return { ...spec, ...planJudgement({ profiles, profile: spec.profile, workload: spec.workload, engine: spec.engine, classifiesImages, nodeClass, expectedLabels }) };
  });
}
