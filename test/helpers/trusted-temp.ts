import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.js';

/**
 * A fresh folder on a path mlcheck trusts for code (src/util/trusted-path.ts): below the
 * repository (root's, like every folder above it), not below /tmp, whose mode 1777 lets any user
 * plant a name. Mode 0755, so that a test's unprivileged attacker (nobody) can reach what the test
 * opens to it. The caller removes it.
 */
export function trustedTempDir(prefix: string): string {
  const base = path.join(repoRoot, 'test', '.build', 'tmp');
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(path.join(base, prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** Runs as `nobody` (uid 65534, no groups): the ordinary user the security tests attack as. */
export const AS_NOBODY = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'] as const;
