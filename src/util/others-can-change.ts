import { untrustedReason } from './file-trust.js';
import { walkPath } from './path-walk.js';

/**
 * Why a user other than root or the invoking user could change what `target` names, or
 * undefined when nobody else can: every folder, link and the target itself must belong to root
 * or this user and be writable by nobody else (a folder with the sticky bit, such as /tmp, is
 * fine on the way: there only an entry's owner can rename or remove it). Throws when `target`
 * does not exist.
 */
export function othersCanChange(target: string): string | undefined {
  let problem: string | undefined;
  walkPath(target, {
    check: (component) => {
      if (problem !== undefined) return;
      const reason = untrustedReason(component.stats, { stickyFolder: !component.last });
      if (reason !== undefined) problem = `${component.path}${component.stats.isSymbolicLink() ? ' (a symbolic link)' : ''}: ${reason}`;
    },
  });
  return problem;
}
