import { lstatSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import path from 'node:path';

export type PathTrust =
  | {
      trusted: true;
      path: string;
      /** The path with every symbolic link resolved (what is actually run, loaded or written). */
      realPath: string;
    }
  | {
      trusted: false;
      path: string;
      /** The first component that fails the rule (a folder on the way, a link, or the path itself). */
      offender: string;
      /** Its owner and mode (permission bits with setuid, setgid and sticky), or null when it does not exist. */
      uid: number | null;
      mode: number | null;
      /** What is wrong with the offender, e.g. "/var/tmp is mode 1777 (writable by every user)". */
      problem: string;
      /** What makes it trusted, e.g. "move it out of /var/tmp: every user can create names there". */
      fix: string;
    };

export interface TrustedPathOptions {
  /** Owners trusted besides root (default: the invoking user). */
  trustedUids?: readonly number[];
  /**
   * Accept a world-writable folder with the sticky bit (/tmp) on the way to the path, though never
   * as the path itself (default false). Right for a folder root creates and writes in: there other
   * users cannot rename or remove what root made. Wrong for code looked up by name: anyone can
   * create a new name in /tmp first.
   */
  allowStickyAncestors?: boolean;
}

/** Symbolic links followed before giving up, as the kernel's own limit (ELOOP). */
const MAX_LINKS = 40;
const S_ISVTX = 0o1000;

/**
 * Whether root (or the invoking user) may run, load or write `target`: it and every folder on the
 * way from / must belong to root or the invoking user and be writable by neither group nor others.
 * Links are resolved one component at a time with lstat, so a link planted by a user never
 * redirects trust: the link itself must belong to a trusted owner, and where it leads is checked
 * in turn. The first component that fails is returned with its owner and mode for the refusal.
 */
export function checkTrustedPath(target: string, options: TrustedPathOptions = {}): PathTrust {
  const invoking = process.getuid?.();
  const trusted = new Set([0, ...(options.trustedUids ?? (invoking === undefined ? [] : [invoking]))]);
  const requested = path.resolve(target);
  const refuse = (offender: string, stats: Stats | null, problem: string): PathTrust => ({
    trusted: false,
    path: requested,
    offender,
    uid: stats?.uid ?? null,
    mode: stats === null ? null : stats.mode & 0o7777,
    problem,
    fix: fixFor(offender, stats, trusted),
  });

  const rootStats = lstatSync('/');
  const rootProblem = ownershipProblem('/', rootStats, trusted, false);
  if (rootProblem !== null) return refuse('/', rootStats, rootProblem);

  let current = '/';
  const pending = components(requested);
  let links = 0;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === '.') continue;
    if (name === '..') {
      // `current` holds no links (each was resolved), so its parent is the real parent.
      current = path.dirname(current);
      continue;
    }
    const next = path.join(current, name);
    let stats: Stats;
    try {
      stats = lstatSync(next);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return refuse(next, null, code === 'ENOENT' ? `${next} does not exist` : `${next} cannot be examined (${code ?? (error as Error).message})`);
    }
    const last = pending.length === 0;
    if (stats.isSymbolicLink()) {
      // A link's own mode means nothing; who made it does.
      if (!trusted.has(stats.uid)) return refuse(next, stats, `${next} is a symbolic link owned by ${userName(stats.uid)}, not by root or the invoking user`);
      if (++links > MAX_LINKS) return refuse(next, stats, `${next}: too many levels of symbolic links`);
      const destination = readlinkSync(next);
      pending.unshift(...components(destination));
      if (path.isAbsolute(destination)) current = '/';
      continue;
    }
    const problem = ownershipProblem(next, stats, trusted, options.allowStickyAncestors === true && !last && stats.isDirectory());
    if (problem !== null) return refuse(next, stats, problem);
    if (!last && !stats.isDirectory()) return refuse(next, stats, `${next} is not a folder`);
    current = next;
  }
  return { trusted: true, path: requested, realPath: current };
}

/** Null when `stats` belongs to a trusted owner and no one else may write it. */
function ownershipProblem(file: string, stats: Stats, trusted: ReadonlySet<number>, stickyAccepted: boolean): string | null {
  const mode = stats.mode & 0o7777;
  const shown = mode.toString(8).padStart(4, '0');
  if (!trusted.has(stats.uid)) return `${file} is owned by ${userName(stats.uid)}, not by root or the invoking user`;
  if ((mode & 0o002) !== 0) {
    if (stickyAccepted && (mode & S_ISVTX) !== 0) return null;
    return `${file} is mode ${shown} (writable by every user)`;
  }
  if ((mode & 0o020) !== 0) return `${file} is mode ${shown} (writable by group ${groupName(stats.gid)})`;
  return null;
}

/** The step that makes the offender trusted; a shared folder such as /tmp is left as it is, and the file moved out. */
function fixFor(offender: string, stats: Stats | null, trusted: ReadonlySet<number>): string {
  if (stats === null) return `check the path: ${offender} must exist`;
  if (stats.isSymbolicLink()) return `remove the link ${offender} unless root made it, and let root make it again`;
  if (!trusted.has(stats.uid)) return `let root own ${offender} (chown root) if you trust its owner, and keep others from writing it (chmod go-w); else move what is needed out of it`;
  if ((stats.mode & 0o002) !== 0 && (stats.mode & S_ISVTX) !== 0) return `move it out of ${offender}: every user can create names there`;
  return `keep others from writing ${offender}: chmod go-w ${offender}`;
}

function components(file: string): string[] {
  return file.split('/').filter((part) => part !== '');
}

/** "nobody (uid 65534)"; the number alone where /etc/passwd does not list it (LDAP, sssd). */
function userName(uid: number): string {
  const name = lookup('/etc/passwd', uid);
  return name === null ? `uid ${uid}` : `${name} (uid ${uid})`;
}

function groupName(gid: number): string {
  const name = lookup('/etc/group', gid);
  return name === null ? `gid ${gid}` : `${name} (gid ${gid})`;
}

function lookup(file: string, id: number): string | null {
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const fields = line.split(':');
      if (fields.length > 2 && fields[2] === String(id)) return fields[0] ?? null;
    }
  } catch {
    // No such database here: the number says it.
  }
  return null;
}
