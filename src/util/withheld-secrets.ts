/**
 * Secrets mlcheck reads from its environment but never passes on. Every process mlcheck starts
 * (case processes, Python interpreters, module shells, Slurm commands, probes) inherits
 * process.env, or an environment built from it: a secret left there would reach all of them,
 * and through /proc/<pid>/environ and the frameworks' own children, whoever can read those. So
 * the CLI moves them out of process.env once, at start-up (withholdSecrets), and the code that
 * needs one asks for it here; a case process gets what it needs from the runner over IPC.
 */

/** The environment variables that carry a secret of mlcheck's own. */
export const SECRET_VARIABLES = ['JUPYTER_TOKEN'] as const;
export type SecretVariable = (typeof SECRET_VARIABLES)[number];

const withheld = new Map<SecretVariable, string>();

/** Removes the secret variables from env (default process.env), keeping their values for secretVariable. */
export function withholdSecrets(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of SECRET_VARIABLES) {
    const value = env[name];
    if (value === undefined) continue;
    withheld.set(name, value);
    delete env[name];
  }
}

/** A secret variable: its value in env if it is still there, else the value withholdSecrets took out. */
export function secretVariable(name: SecretVariable, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[name] ?? withheld.get(name);
}

/**
 * Removes every variable whose value holds `secret` (a token read from a file may also sit in,
 * say, JUPYTERHUB_API_TOKEN or a copy the operator exported): none of them reaches a child.
 * Secrets shorter than 8 characters are not searched for (they would match ordinary values).
 */
export function withholdSecretValue(secret: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (secret.length < 8) return [];
  const removed = Object.keys(env).filter((name) => env[name]?.includes(secret));
  for (const name of removed) delete env[name];
  return removed;
}
