import type { ProfileId } from '../workloads/types.js';
import { referencesOfWorkload } from './case-key.js';
import { expectedLabelsFor, type ExpectedLabel, type ExpectedLabelsFile } from './expected-labels.js';
import type { CaseReferences, NodeClass } from './node-references.js';
import { workloadProfile, type ProfileFile } from './profiles.js';
import type { Threshold } from './results.js';

/** Where a part of a judgement was read: the file and the key path in it. */
export interface JudgementSource {
  file: string;
  key: string;
}

/**
 * Everything a case is judged by, resolved once when the run is planned and kept with the plan
 * in run.json, so that a resumed run judges with what was planned. The workload never sees it.
 */
export interface CaseJudgement {
  /** Quality thresholds by metric (references/profiles.yaml): outside one, the case fails. */
  thresholds: { values: Record<string, Threshold>; source: JudgementSource };
  /** What the images must be classified as (references/expected-labels.yaml); only for a workload that classifies images. */
  expectedLabels?: { labels: ExpectedLabel[]; source: JudgementSource };
  /**
   * The node class's performance references for this workload and engine in this profile, by
   * case key (references/nodes.yaml or --references); the key that judges is chosen once the
   * case has run, by the backend it ran on and the model it loaded. null: no node class.
   */
  references: { nodeClass: string; byCaseKey: CaseReferences; source: JudgementSource } | null;
}

export interface ResolveJudgementOptions {
  profiles: ProfileFile;
  profile: ProfileId;
  workload: string;
  engine: string;
  /** The expected labels, for a workload that classifies images; null for any other. */
  expectedLabels: ExpectedLabelsFile | null;
  /** The node class matched on this node; null: only thresholds (and labels) judge. */
  nodeClass: NodeClass | null;
}

/** A case's judgement: its thresholds, expected labels and performance references, each with where it came from. */
export function resolveCaseJudgement(options: ResolveJudgementOptions): CaseJudgement {
  const { profile, workload, nodeClass } = options;
  const thresholds = { values: { ...workloadProfile(options.profiles, profile, workload).thresholds }, source: { file: options.profiles.file, key: `profiles.${profile}.workloads.${workload}.thresholds` } };
  const labels = options.expectedLabels;
  return {
    thresholds,
    ...(labels !== null && { expectedLabels: { labels: expectedLabelsFor(labels, profile), source: { file: labels.file, key: `profiles.${profile}` } } }),
    references:
      nodeClass === null
        ? null
        : {
            nodeClass: nodeClass.id,
            byCaseKey: referencesOfWorkload(nodeClass.references[profile] ?? {}, workload, options.engine),
            source: { file: nodeClass.source.file, key: `${nodeClass.source.key}.references.${profile}` },
          },
  };
}
