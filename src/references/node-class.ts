import { UsageError } from '../util/errors.js';
import type { NodeClass, NodeReferenceFile } from './node-references.js';

/** The few probe fields a node class is matched on (the probe's facts and its snapshot have them). */
export interface NodeIdentitySource {
  cpu?: { brand?: string | null } | null;
  gpus?: readonly { name?: string | null }[] | null;
}

export interface NodeIdentity {
  kind: 'gpu' | 'cpu';
  model: string;
}

/** The model a node is classed by: its GPU's when it has one (the most common, if mixed), else its CPU's. */
export function nodeIdentity(probe: NodeIdentitySource | null | undefined): NodeIdentity | null {
  if (!probe) return null;
  const gpuNames = (probe.gpus ?? []).map((g) => g.name?.trim()).filter((n): n is string => Boolean(n));
  if (gpuNames.length > 0) {
    const tally = new Map<string, number>();
    for (const name of gpuNames) tally.set(name, (tally.get(name) ?? 0) + 1);
    const [model] = [...tally].sort((a, b) => b[1] - a[1])[0]!;
    return { kind: 'gpu', model };
  }
  const brand = probe.cpu?.brand?.trim();
  return brand ? { kind: 'cpu', model: brand } : null;
}

/** The first node class whose pattern matches this node's identity; null when none does. */
export function matchNodeClass(references: NodeReferenceFile, probe: NodeIdentitySource | null | undefined): NodeClass | null {
  const identity = nodeIdentity(probe);
  if (!identity) return null;
  return references.nodeClasses.find((c) => {
    const pattern = c.match[identity.kind];
    return pattern !== undefined && new RegExp(pattern, 'i').test(identity.model);
  }) ?? null;
}

export function findNodeClass(references: NodeReferenceFile, id: string): NodeClass {
  const found = references.nodeClasses.find((c) => c.id === id);
  if (!found) {
    throw new UsageError(`no node class "${id}" in ${references.file}`, { file: references.file, expected: references.nodeClasses.map((c) => c.id).join(', ') || 'a node class (the file has none)' });
  }
  return found;
}

/** A node class id and match pattern for a node no class matches yet: `cpu-amd-epyc-7b13`, `^AMD EPYC 7B13$`. */
export function nodeClassFor(identity: NodeIdentity): { id: string; match: { gpu?: string; cpu?: string } } {
  const slug = identity.model.toLowerCase().replace(/\(r\)|\(tm\)|@.*$/g, '').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return { id: `${identity.kind}-${slug || 'unknown'}`, match: { [identity.kind]: `^${identity.model.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$` } };
}
