/**
 * writeFileAtomic writes through a temporary file in the target's folder. That file must be new
 * (O_EXCL, O_NOFOLLOW) and its name unpredictable: the old name (.<name>.<pid>.<ms>.tmp) let
 * anyone who can write the folder plant a link there, and root's write went to the link's target.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/util/atomic-write.js';

describe('writeFileAtomic', () => {
  it('does not write through links planted at the temporary names it used to predict, and still writes the file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-atomic-'));
    const victim = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlcheck-victim-')), 'shadow');
    writeFileSync(victim, 'root:secret\n');
    const file = path.join(dir, 'report.prom');
    // Every name the old code could pick in the next few seconds: this process's pid and each millisecond.
    const now = Date.now();
    for (let ms = now - 50; ms < now + 3000; ms++) symlinkSync(victim, path.join(dir, `.report.prom.${process.pid}.${ms}.tmp`));
    writeFileAtomic(file, 'mlcheck_up 1\n');
    expect(readFileSync(victim, 'utf8')).toBe('root:secret\n');
    expect(lstatSync(file).isFile()).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('mlcheck_up 1\n');
    // The planted links are left alone, and nothing of its own is left behind.
    expect(readdirSync(dir).filter((name) => !name.startsWith(`.report.prom.${process.pid}.`))).toEqual(['report.prom']);
  });

  it('replaces an existing file, and a link at the target itself rather than its target', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-atomic-'));
    const elsewhere = path.join(dir, 'elsewhere');
    writeFileSync(elsewhere, 'keep\n');
    const file = path.join(dir, 'run.json');
    writeFileAtomic(file, 'one\n');
    writeFileAtomic(file, new TextEncoder().encode('two\n'));
    expect(readFileSync(file, 'utf8')).toBe('two\n');
    const link = path.join(dir, 'linked.json');
    symlinkSync(elsewhere, link);
    writeFileAtomic(link, 'new\n');
    expect(lstatSync(link).isFile()).toBe(true);
    expect(readFileSync(elsewhere, 'utf8')).toBe('keep\n');
    expect(readdirSync(dir).sort()).toEqual(['elsewhere', 'linked.json', 'run.json']);
  });

  it('removes its temporary file when the rename fails, and creates missing folders', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-atomic-'));
    const occupied = path.join(dir, 'occupied');
    mkdirSync(path.join(occupied, 'not-empty'), { recursive: true });
    expect(() => writeFileAtomic(occupied, 'x')).toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readdirSync(dir)).toEqual(['occupied']);
    writeFileAtomic(path.join(dir, 'new', 'deeper', 'file.txt'), 'x');
    expect(readFileSync(path.join(dir, 'new', 'deeper', 'file.txt'), 'utf8')).toBe('x');
  });
});
