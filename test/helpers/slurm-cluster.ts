/**
 * A real Slurm cluster on this machine for tests: munged, slurmctld and one slurmd per node
 * (Debian's slurm-wlm 22.05; ../shared/slurm-ci.md). Needs root; the tests skip without Slurm.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const hasSlurm = ['slurmctld', 'slurmd', 'munged', 'scontrol', 'sbatch'].every((name) =>
  ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'].some((dir) => existsSync(path.join(dir, name))),
) && process.getuid?.() === 0;

export interface ClusterOptions {
  nodes: readonly string[];
  /** Lines added to slurm.conf (HealthCheckProgram=..., Prolog=..., TaskProlog=...), given the cluster's folder and config file. */
  extraConfig?: (dir: string, conf: string) => readonly string[];
  /** When the cluster counts as started (default: every node idle). */
  ready?: (states: Map<string, { state: string; reason: string }>) => boolean;
}

export interface SlurmCluster {
  dir: string;
  /** SLURM_CONF and PATH for the client commands. */
  env: NodeJS.ProcessEnv;
  /** Runs a Slurm client command and returns its stdout. */
  run(command: string, args: readonly string[]): string;
  /** Node name -> "state|reason" from sinfo, e.g. "drained|mlcheck: FAIL ...". */
  nodeStates(): Map<string, { state: string; reason: string }>;
  waitFor(what: string, predicate: () => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function ensureMunge(): void {
  const pidFile = '/run/munge/munged.pid';
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    try {
      process.kill(pid, 0);
      return;
    } catch {
      // stale pid file: start it again
    }
  }
  if (!existsSync('/etc/munge/munge.key')) execFileSync('runuser', ['-u', 'munge', '--', 'mungekey', '--create'], { stdio: 'pipe' });
  execFileSync('install', ['-d', '-o', 'munge', '-g', 'munge', '-m', '0755', '/run/munge']);
  execFileSync('runuser', ['-u', 'munge', '--', '/usr/sbin/munged'], { stdio: 'pipe' });
}

export async function startSlurmCluster(options: ClusterOptions): Promise<SlurmCluster> {
  ensureMunge();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlcheck-slurm-'));
  for (const sub of ['etc', 'state/ctld', 'log']) mkdirSync(path.join(dir, sub), { recursive: true });
  const conf = path.join(dir, 'etc', 'slurm.conf');
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf };
  const hardware = execFileSync('slurmd', ['-C'], { encoding: 'utf8' }).split('\n')[0]!.replace(/^NodeName=\S*/, '').trim();
  // Ports away from the defaults, so a cluster left over by a crashed run cannot collide.
  const base = 20_000 + Math.floor(Math.random() * 20_000);
  writeFileSync(
    conf,
    [
      'ClusterName=mlchecktest',
      'SlurmctldHost=localhost',
      `SlurmctldPort=${base}`,
      'SlurmUser=root',
      'AuthType=auth/munge',
      'CredType=cred/munge',
      'MpiDefault=none',
      `StateSaveLocation=${dir}/state/ctld`,
      `SlurmdSpoolDir=${dir}/state/d-%n`,
      `SlurmctldPidFile=${dir}/state/slurmctld.pid`,
      `SlurmdPidFile=${dir}/state/slurmd-%n.pid`,
      `SlurmctldLogFile=${dir}/log/slurmctld.log`,
      `SlurmdLogFile=${dir}/log/slurmd-%n.log`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'MailProg=/bin/true',
      'SchedulerType=sched/backfill',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'ReturnToService=2',
      'MinJobAge=600',
      ...(options.extraConfig?.(dir, conf) ?? []),
      ...options.nodes.map((node, i) => `NodeName=${node} NodeHostname=localhost Port=${base + 1 + i} ${hardware} State=UNKNOWN`),
      'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  const daemons: ChildProcess[] = [];
  const start = (file: string, args: string[], log: string): void => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'ignore', 'ignore'], detached: false });
    daemons.push(child);
    writeFileSync(path.join(dir, 'log', `${log}.pid`), String(child.pid));
  };
  start('slurmctld', ['-D', '-i'], 'ctld');
  for (const node of options.nodes) start('slurmd', ['-D', '-N', node], `d-${node}`);

  const run = (command: string, args: readonly string[]): string => {
    const result = spawnSync(command, [...args], { env, encoding: 'utf8', timeout: 30_000 });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    return result.stdout;
  };
  const nodeStates = (): Map<string, { state: string; reason: string }> => {
    const states = new Map<string, { state: string; reason: string }>();
    const result = spawnSync('sinfo', ['-h', '-N', '-o', '%N|%T|%E'], { env, encoding: 'utf8', timeout: 10_000 });
    for (const line of (result.stdout ?? '').split('\n').filter(Boolean)) {
      const [name, state, ...reason] = line.split('|');
      states.set(name!, { state: state!, reason: reason.join('|') });
    }
    return states;
  };
  const waitFor = async (what: string, predicate: () => boolean, timeoutMs = 60_000): Promise<void> => {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (predicate()) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`timed out waiting for ${what}; nodes: ${JSON.stringify([...nodeStates()])}; slurmctld log tail: ${tailOf(path.join(dir, 'log', 'slurmctld.log'))}`);
  };
  const stop = async (): Promise<void> => {
    for (const child of [...daemons].reverse()) child.kill('SIGTERM');
    await Promise.all(daemons.map((child) => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve)))));
    rmSync(dir, { recursive: true, force: true });
  };
  const cluster: SlurmCluster = { dir, env, run, nodeStates, waitFor, stop };
  const ready = options.ready ?? ((states) => [...states.values()].filter((s) => s.state === 'idle').length === options.nodes.length);
  await waitFor('the cluster to start', () => ready(nodeStates()), 90_000).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return cluster;
}

function tailOf(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}
