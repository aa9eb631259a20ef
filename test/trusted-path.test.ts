/**
 * The one trust check (src/util/trusted-path.ts): a path, and every folder on the way to it from /,
 * must belong to root or the invoking user and be writable by neither group nor others; links are
 * resolved one component at a time, and the first offender is named with its owner and mode.
 */
import { chmodSync, chownSync, lchownSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTrustedPath, type TrustedPathOptions } from '../src/util/trusted-path.js';
import { trustedTempDir } from './helpers/trusted-temp.js';

const NOBODY = 65534;
let base: string;

/** Builds the tree every row reads; paths are relative to `base`. */
beforeAll(() => {
  base = trustedTempDir('trust-');
  const dir = (name: string, mode = 0o755, uid = 0): void => {
    mkdirSync(path.join(base, name));
    chmodSync(path.join(base, name), mode);
    chownSync(path.join(base, name), uid, uid === 0 ? 0 : NOBODY);
  };
  const file = (name: string, mode = 0o644, uid = 0): void => {
    writeFileSync(path.join(base, name), 'print("hello")\n');
    chmodSync(path.join(base, name), mode);
    chownSync(path.join(base, name), uid, uid === 0 ? 0 : NOBODY);
  };
  const link = (name: string, to: string, uid = 0): void => {
    symlinkSync(to, path.join(base, name));
    lchownSync(path.join(base, name), uid, uid === 0 ? 0 : NOBODY);
  };
  dir('good');
  file('good/main.py');
  file('good/open.py', 0o666);
  file('good/group.py', 0o664);
  file('good/users.py', 0o644, NOBODY);
  file('good/1234.py', 0o644, 1234);
  dir('world', 0o777);
  file('world/main.py');
  dir('sticky', 0o1777);
  dir('sticky/mine');
  file('sticky/mine/main.py');
  dir('sticky/theirs', 0o755, NOBODY);
  file('sticky/theirs/main.py');
  dir('group', 0o775);
  file('group/main.py');
  dir('theirs', 0o755, NOBODY);
  file('theirs/main.py');
  link('good/relative.py', 'main.py');
  link('good/up.py', '../good/main.py');
  link('good/to-world.py', '../world/main.py');
  link('good/to-tmp', '/tmp');
  link('good/by-nobody.py', 'main.py', NOBODY);
  link('good/loop-a', 'loop-b');
  link('good/loop-b', 'loop-a');
  link('linked-dir', 'good');
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

interface Row {
  name: string;
  path: string;
  options?: TrustedPathOptions;
  /** null: trusted. Else the offender (relative to base, or absolute) and the words of the problem. */
  offender: string | null;
  problem?: RegExp;
  realPath?: string;
}

const rows: Row[] = [
  { name: 'root-owned folders and a 0644 file', path: 'good/main.py', offender: null, realPath: 'good/main.py' },
  { name: 'a file anyone can write', path: 'good/open.py', offender: 'good/open.py', problem: /is mode 0666 \(writable by every user\)/ },
  { name: 'a file its group can write', path: 'good/group.py', offender: 'good/group.py', problem: /is mode 0664 \(writable by group root \(gid 0\)\)/ },
  { name: "a file another user owns", path: 'good/users.py', offender: 'good/users.py', problem: /is owned by nobody \(uid 65534\), not by root or the invoking user/ },
  { name: 'a file of an unlisted uid, named by number', path: 'good/1234.py', offender: 'good/1234.py', problem: /is owned by uid 1234,/ },
  { name: 'the same file when that uid is the invoking user', path: 'good/1234.py', options: { trustedUids: [1234] }, offender: null },
  { name: 'a good file in a world-writable folder', path: 'world/main.py', offender: 'world', problem: /world is mode 0777 \(writable by every user\)/ },
  { name: 'a group-writable folder', path: 'group/main.py', offender: 'group', problem: /is mode 0775 \(writable by group/ },
  { name: "another user's folder", path: 'theirs/main.py', offender: 'theirs', problem: /owned by nobody/ },
  { name: "root's folder in a sticky world-writable one: only its owner can replace it there", path: 'sticky/mine/main.py', offender: null },
  { name: "another user's folder in a sticky one", path: 'sticky/theirs/main.py', offender: 'sticky/theirs', problem: /owned by nobody/ },
  { name: 'a sticky folder as the path itself: anyone can add names to it', path: 'sticky', offender: 'sticky', problem: /mode 1777/ },
  { name: 'the real /tmp as the path', path: '/tmp', offender: '/tmp', problem: /^\/tmp is mode 1777 \(writable by every user\)$/ },
  { name: "a root link to a file beside it", path: 'good/relative.py', offender: null, realPath: 'good/main.py' },
  { name: 'a root link through ..', path: 'good/up.py', offender: null, realPath: 'good/main.py' },
  { name: 'a root link into a world-writable folder: the folder is named', path: 'good/to-world.py', offender: 'world', problem: /mode 0777/ },
  { name: 'a root link to /tmp, then a name nobody made there', path: 'good/to-tmp/x.py', offender: '/tmp/x.py', problem: /does not exist/ },
  { name: 'a link a user made cannot redirect trust', path: 'good/by-nobody.py', offender: 'good/by-nobody.py', problem: /is a symbolic link owned by nobody \(uid 65534\)/ },
  { name: 'a folder reached through a root link', path: 'linked-dir/main.py', offender: null, realPath: 'good/main.py' },
  { name: 'a loop of links', path: 'good/loop-a', offender: 'good/loop-a', problem: /too many levels of symbolic links/ },
  { name: 'a path that does not exist', path: 'good/missing.py', offender: 'good/missing.py', problem: /does not exist/ },
  { name: 'a file used as a folder', path: 'good/main.py/x', offender: 'good/main.py', problem: /is not a folder/ },
];

describe('checkTrustedPath', () => {
  it.each(rows)('$name', (row) => {
    const full = (relative: string): string => (path.isAbsolute(relative) ? relative : path.join(base, relative));
    const trust = checkTrustedPath(full(row.path), row.options);
    if (row.offender === null) {
      expect(trust, JSON.stringify(trust)).toMatchObject({ trusted: true, path: full(row.path) });
      if (row.realPath !== undefined && trust.trusted) expect(trust.realPath).toBe(full(row.realPath));
      return;
    }
    expect(trust.trusted).toBe(false);
    if (trust.trusted) return;
    expect(trust.offender).toBe(full(row.offender));
    expect(trust.problem).toMatch(row.problem!);
    expect(trust.problem.startsWith(full(row.offender))).toBe(true);
  });

  it.each([
    { path: 'good/open.py', fix: /^keep others from writing .*good\/open\.py: chmod go-w .*good\/open\.py$/ },
    { path: 'sticky', fix: /^move it out of .*\/sticky: every user can create names there$/ },
    { path: 'theirs/main.py', fix: /^let root own .*\/theirs \(chown root\) if you trust its owner/ },
    { path: 'good/by-nobody.py', fix: /^remove the link .*by-nobody\.py unless root made it/ },
  ])('says how to fix $path (never "chmod go-w /tmp")', (row) => {
    const trust = checkTrustedPath(path.join(base, row.path));
    expect(trust.trusted).toBe(false);
    if (!trust.trusted) expect(trust.fix).toMatch(row.fix);
  });

  it('gives the offender\'s owner and mode as numbers for a report', () => {
    const trust = checkTrustedPath(path.join(base, 'world', 'main.py'));
    expect(trust).toMatchObject({ trusted: false, offender: path.join(base, 'world'), uid: 0, mode: 0o777 });
  });
});
