import { lstatSync, readFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { walkPath } from './path-walk.js';

/**
 * The one rule for what root may run, load, read as verified, or write through (docs/security.md):
 * root acts only on what root or the invoking user owns and nobody else can write.
 */

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
      /** What is wrong with the offender, e.g. "/var/tmp/x is owned by nobody (uid 65534), not by root or the invoking user". */
      problem: string;
      /** What makes it trusted, e.g. "let root own /var/tmp/x (chown root) ...". */
      fix: string;
    };

export interface TrustOptions {
  /** Owners trusted besides root (default: the invoking user). */
  trustedUids?: readonly number[];
}

export interface StatsTrustOptions extends TrustOptions {
  /**
   * A folder on the way to something: a world-writable one with the sticky bit (/tmp) is accepted,
   * because there only an entry's owner (and root) can rename or remove it, and the entry itself is
   * judged next. Never for the path itself: anyone can add names to it.
   */
  onTheWay?: boolean;
}

const S_ISVTX = 0o1000;

/**
 * Why one file, folder or link (its lstat) fails the rule, or undefined when it passes: it must
 * belong to root or a trusted user, and a file or folder must be writable by neither group nor
 * others (a link's own mode means nothing; who made it does).
 */
export function untrustedReason(stats: Stats, file: string, options: StatsTrustOptions = {}): string | undefined {
  const trusted = trustedOwners(options);
  if (!trusted.has(stats.uid)) {
    return `${file}${stats.isSymbolicLink() ? ' is a symbolic link' : ' is'} owned by ${userName(stats.uid)}, not by root or the invoking user`;
  }
  if (stats.isSymbolicLink()) return undefined;
  const mode = stats.mode & 0o7777;
  const shown = mode.toString(8).padStart(4, '0');
  if ((mode & 0o002) !== 0) {
    if (options.onTheWay === true && stats.isDirectory() && (mode & S_ISVTX) !== 0) return undefined;
    return `${file} is mode ${shown} (writable by every user)`;
  }
  if ((mode & 0o020) !== 0) return `${file} is mode ${shown} (writable by group ${groupName(stats.gid)})`;
  return undefined;
}

/**
 * Whether root (or the invoking user) may run, load, trust or write `target`: it and every folder
 * on the way from / must pass untrustedReason (a sticky /tmp on the way passes: the folder root
 * made in it is judged in turn). Links are resolved one component at a time with lstat
 * (path-walk.ts), so a link planted by a user never redirects trust: the link itself must belong
 * to a trusted owner, and where it leads is checked in turn. The first component that fails is
 * returned with its owner and mode for the refusal.
 */
export function checkTrustedPath(target: string, options: TrustOptions = {}): PathTrust {
  const requested = path.resolve(target);
  const rootStats = lstatSync('/');
  const rootProblem = untrustedReason(rootStats, '/', { ...options, onTheWay: true });
  if (rootProblem !== undefined) return refuse(requested, { offender: '/', stats: rootStats, problem: rootProblem }, options);
  let refusal: { offender: string; stats: Stats | null; problem: string } | null = null;
  let realPath: string;
  try {
    realPath = walkPath(requested, {
      check: (component) => {
        if (refusal !== null) return;
        const problem = untrustedReason(component.stats, component.path, { ...options, onTheWay: !component.last });
        if (problem !== undefined) refusal = { offender: component.path, stats: component.stats, problem };
      },
      stopEarly: () => refusal !== null,
    });
  } catch (error) {
    if (refusal !== null) return refuse(requested, refusal, options);
    const code = (error as NodeJS.ErrnoException).code;
    const offender = (error as NodeJS.ErrnoException).path ?? requested;
    const problem =
      code === 'ENOENT' ? `${offender} does not exist` : code === 'ELOOP' ? `${offender}: too many levels of symbolic links` : code === 'ENOTDIR' ? `${offender} is not a folder` : `${offender} cannot be examined (${code ?? (error as Error).message})`;
    return refuse(requested, { offender, stats: null, problem }, options);
  }
  if (refusal !== null) return refuse(requested, refusal, options);
  return { trusted: true, path: requested, realPath };
}

function refuse(requested: string, refusal: { offender: string; stats: Stats | null; problem: string }, options: TrustOptions): PathTrust {
  const { offender, stats, problem } = refusal;
  return { trusted: false, path: requested, offender, uid: stats?.uid ?? null, mode: stats === null ? null : stats.mode & 0o7777, problem, fix: fixFor(offender, stats, trustedOwners(options)) };
}

function trustedOwners(options: TrustOptions): Set<number> {
  const invoking = process.getuid?.();
  return new Set([0, ...(options.trustedUids ?? (invoking === undefined ? [] : [invoking]))]);
}

/** The step that makes the offender trusted; a shared folder such as /tmp is left as it is, and the file moved out. */
function fixFor(offender: string, stats: Stats | null, trusted: ReadonlySet<number>): string {
  if (stats === null) return `check the path: ${offender} must exist`;
  if (stats.isSymbolicLink()) return `remove the link ${offender} unless root made it, and let root make it again`;
  if (!trusted.has(stats.uid)) return `let root own ${offender} (chown root) if you trust its owner, and keep others from writing it (chmod go-w); else move what is needed out of it`;
  if ((stats.mode & 0o002) !== 0 && (stats.mode & S_ISVTX) !== 0) return `move it out of ${offender}: every user can create names there`;
  return `keep others from writing ${offender}: chmod go-w ${offender}`;
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
