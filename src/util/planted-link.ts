import { realpathSync } from 'node:fs';
import { UsageError } from './errors.js';
import { untrustedReason } from './trusted-path.js';
import type { PathComponent } from './path-walk.js';

/**
 * A walkPath check: refuses a symbolic link that a user other than root or the invoking user
 * made, or could replace because it lies in a folder they can write (a sticky folder such as
 * /tmp protects a link from everyone but its owner). Such a link could point anywhere, and
 * root would write where it points.
 */
export function refusePlantedLink(component: PathComponent): void {
  if (!component.stats.isSymbolicLink()) return;
  const own = untrustedReason(component.stats, component.path);
  const folder = untrustedReason(component.folderStats, component.folder, { onTheWay: true });
  if (own === undefined && folder === undefined) return;
  let real: string | undefined;
  try {
    real = realpathSync(component.path);
  } catch {
    real = undefined;
  }
  throw new UsageError(`refusing to go through ${component.path}: it is a symbolic link that another user could have planted (${own ?? `it is in a folder others can change: ${folder}`})`, {
    file: component.path,
    ...(real !== undefined && { found: `a link to ${real}` }),
    fix: [`replace the link with a real folder${real !== undefined ? `, or give its target ${real} directly if you trust it` : ''}`, 'mlcheck never writes through a link it did not make (docs/security.md)'],
  });
}
