import { readdirSync } from 'node:fs';
import path from 'node:path';
import { RequirementError } from '../../util/errors.js';
import { checkTrustedPath, type PathTrust } from '../../util/trusted-path.js';
import { PYTHON_KITS_DIR } from './kits.js';

const checked = new Map<string, PathTrust | null>();

/**
 * Throws (the case is skipped, naming the file, its owner and mode) unless the kits folder and
 * everything in it belong to root or the invoking user and nobody else can write them: root runs
 * them. A package installed where a user can write (their own `npm install`, then run by root)
 * gets here; the repository and a root-owned global install pass. Checked once per process and folder.
 */
export function assertTrustedKits(dir: string = PYTHON_KITS_DIR): void {
  if (!checked.has(dir)) checked.set(dir, firstUntrusted(dir));
  const refusal = checked.get(dir) ?? null;
  if (refusal === null || refusal.trusted) return;
  throw new RequirementError(`refusing to run mlcheck's Python kits from ${dir}: ${refusal.problem}`, {
    file: refusal.path,
    fix: [refusal.fix, 'or install mlcheck where only root can write (npm install -g as root)'],
  });
}

function firstUntrusted(dir: string): PathTrust | null {
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    const trust = checkTrustedPath(current);
    if (!trust.trusted) return trust;
    let entries;
    try {
      entries = readdirSync(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) pending.push(path.join(current, entry.name));
      else {
        const file = checkTrustedPath(path.join(current, entry.name));
        if (!file.trusted) return file;
      }
    }
  }
  return null;
}
