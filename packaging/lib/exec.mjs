// @ts-check
import { spawn, spawnSync } from 'node:child_process';

/**
 * Runs a command to completion and returns its stdout; a non-zero exit throws with the command,
 * its exit status and its stderr, so that a failed build step names itself.
 * @param {string} command
 * @param {readonly string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, input?: string }} [options]
 * @returns {string}
 */
export function exec(command, args, options = {}) {
  const result = spawnSync(command, [...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}${options.cwd ? ` (in ${options.cwd})` : ''}:\n${(result.stderr || result.stdout).trim()}`);
  }
  return result.stdout;
}

/**
 * The npm command line that runs this build: npm's own CLI when the build runs as `npm run
 * dist` (npm_execpath), else npm on PATH.
 * @returns {{ command: string, prefix: string[] }}
 */
export function npmCommand() {
  const cli = process.env.npm_execpath;
  if (cli && /npm-cli\.js$/.test(cli)) return { command: process.execPath, prefix: [cli] };
  return { command: 'npm', prefix: [] };
}

/**
 * `exec` without blocking: the tarball, the .deb and the .rpm compress the same tree at once.
 * @param {string} command
 * @param {readonly string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<string>} stdout
 */
export function execAsync(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => reject(new Error(`${command} ${args.join(' ')}: ${error.message}`)));
    child.on('close', (status, signal) => {
      if (status === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')} exited ${status ?? signal}${options.cwd ? ` (in ${options.cwd})` : ''}:\n${(stderr || stdout).trim()}`));
    });
  });
}
