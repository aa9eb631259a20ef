import { lstatSync, mkdirSync, readlinkSync, type Stats } from 'node:fs';
import path from 'node:path';

/** One step of a path as the kernel would take it. */
export interface PathComponent {
  /** The component's path below the real path of its folder. */
  path: string;
  /** lstat of the component: a link is seen as a link. */
  stats: Stats;
  /** The folder that holds it (a real folder, never a link) and its lstat. */
  folder: string;
  folderStats: Stats;
  /** True for the last component of the path, after every link on the way was followed. */
  last: boolean;
}

export interface WalkPathOptions {
  /** Create missing folders on the way, the last component included (mode 0755 before umask). Default false. */
  create?: boolean;
  /** Sees every component, links included, before it is used; throws to refuse it. */
  check?: (component: PathComponent) => void;
  /** Asked after each check: true ends the walk there (a refusal was recorded, nothing more to see). */
  stopEarly?: () => boolean;
}

const MAX_LINKS = 40;

/**
 * Resolves `target` one component at a time with lstat, following links itself, so that `check`
 * sees every link and folder the path goes through: stat() and mkdir -p would follow a planted
 * link without anyone looking at who made it. Missing components are created one at a time
 * (Node's recursive mkdirSync can spin for ever on a pseudo-filesystem such as /proc).
 * Returns the real path.
 */
export function walkPath(target: string, options: WalkPathOptions = {}): string {
  const pending = path.resolve(target).split(path.sep).filter((name) => name !== '');
  let current = path.parse(path.resolve(target)).root;
  let currentStats = lstatSync(current);
  let links = 0;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === '.') continue;
    if (name === '..') {
      current = path.dirname(current);
      currentStats = lstatSync(current);
      continue;
    }
    const next = path.join(current, name);
    let stats: Stats;
    try {
      stats = lstatSync(next);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !options.create) throw error;
      try {
        mkdirSync(next, { mode: 0o755 });
      } catch (mkdirError) {
        // Someone else made it meanwhile: whatever is there now is checked like anything else.
        if ((mkdirError as NodeJS.ErrnoException).code !== 'EEXIST') throw mkdirError;
      }
      stats = lstatSync(next);
    }
    options.check?.({ path: next, stats, folder: current, folderStats: currentStats, last: pending.length === 0 && !stats.isSymbolicLink() });
    if (options.stopEarly?.() === true) return next;
    if (stats.isSymbolicLink()) {
      links += 1;
      if (links > MAX_LINKS) throw Object.assign(new Error(`ELOOP: too many symbolic links, ${target}`), { code: 'ELOOP', path: target });
      const link = readlinkSync(next);
      pending.unshift(...link.split(path.sep).filter((part) => part !== ''));
      if (path.isAbsolute(link)) {
        current = path.parse(link).root;
        currentStats = lstatSync(current);
      }
      continue;
    }
    if (pending.length > 0 && !stats.isDirectory()) {
      throw Object.assign(new Error(`${next} is not a directory`), { code: 'ENOTDIR', path: next });
    }
    current = next;
    currentStats = stats;
  }
  return current;
}
