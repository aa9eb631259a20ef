import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Where Environment Modules and Lmod keep their bash initialisation: first what the node's own
 * environment says ($MODULESHOME is set by both; $LMOD_PKG by Lmod), then the places the
 * distributions and Bright Cluster Manager install them.
 */
export const STANDARD_MODULE_INIT_SCRIPTS: readonly string[] = [
  '/usr/share/modules/init/bash', // Debian/Ubuntu environment-modules
  '/usr/share/Modules/init/bash', // RHEL/Rocky environment-modules
  '/usr/share/lmod/lmod/init/bash', // Lmod (Debian, RHEL/EPEL)
  '/opt/apps/lmod/lmod/init/bash', // Lmod built from source (TACC layout)
  '/usr/local/Modules/init/bash', // Environment Modules built from source
  '/cm/local/apps/environment-modules/current/init/bash', // Bright Cluster Manager
  '/etc/profile.d/modules.sh',
];

export interface ModulesInit {
  /** The script to source, or null when none was found. */
  script: string | null;
  /** Every place looked at, in order (for the failure message). */
  searched: string[];
}

export function findModulesInit(env: NodeJS.ProcessEnv): ModulesInit {
  const candidates = [
    ...(env.MODULESHOME ? [path.join(env.MODULESHOME, 'init', 'bash')] : []),
    ...(env.LMOD_PKG ? [path.join(env.LMOD_PKG, 'init', 'bash')] : []),
    ...STANDARD_MODULE_INIT_SCRIPTS,
  ];
  const searched = [...new Set(candidates)];
  return { script: searched.find((candidate) => existsSync(candidate)) ?? null, searched };
}

/**
 * The bash that sources the init script: from PATH, else where distributions put it (a Slurm
 * HealthCheckProgram runs with no PATH at all).
 */
export function findBash(env: NodeJS.ProcessEnv): string {
  for (const dir of [...(env.PATH ?? '').split(path.delimiter).filter((d) => d !== ''), '/usr/bin', '/bin']) {
    const candidate = path.join(dir, 'bash');
    if (existsSync(candidate)) return candidate;
  }
  return 'bash';
}
