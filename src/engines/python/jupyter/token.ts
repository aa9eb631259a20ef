import { readFileSync, statSync } from 'node:fs';
import { UsageError } from '../../../util/errors.js';
import { secretVariable } from '../../../util/withheld-secrets.js';

/** The name of the token among a case's secrets (EngineSecrets), which the runner reads and hands over IPC. */
export const JUPYTER_TOKEN_SECRET = 'jupyterToken';

export interface JupyterToken {
  token: string;
  /** Where it came from, for messages (never the token itself). */
  source: string;
  /** A token file other users can read. */
  warning: string | null;
}

/**
 * The server's token: from --jupyter-token-file, else JUPYTER_TOKEN (which the CLI withholds from
 * the environment at start-up: util/withheld-secrets.ts); never from argv, which any local user's
 * `ps` can read. A server without authentication takes the empty token.
 */
export function readJupyterToken(options: { tokenFile?: string | undefined; env?: NodeJS.ProcessEnv }): JupyterToken {
  if (options.tokenFile === undefined) {
    const fromEnvironment = secretVariable('JUPYTER_TOKEN', options.env);
    return { token: fromEnvironment ?? '', source: fromEnvironment ? 'JUPYTER_TOKEN' : 'no token (JUPYTER_TOKEN is unset)', warning: null };
  }
  let text: string;
  try {
    text = readFileSync(options.tokenFile, 'utf8');
  } catch (error) {
    throw new UsageError(`--jupyter-token-file ${options.tokenFile}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { file: options.tokenFile, fix: 'write the server token into a file only you can read (chmod 600) and name it here' });
  }
  const token = text.trim();
  if (token === '' || /\s/.test(token)) throw new UsageError(`--jupyter-token-file ${options.tokenFile} must hold the token alone, on one line`, { file: options.tokenFile, found: token === '' ? 'an empty file' : 'several words', fix: 'write only the token into the file' });
  const mode = statSync(options.tokenFile).mode;
  const warning = (mode & 0o077) !== 0 ? `${options.tokenFile} can be read by other users (mode ${(mode & 0o777).toString(8)}): chmod 600 ${options.tokenFile}` : null;
  return { token, source: `--jupyter-token-file ${options.tokenFile}`, warning };
}

/** Any text that may hold the token (an error message, a URL), with the token replaced. */
export function redactToken(text: string, token: string): string {
  return token.length < 4 ? text : text.split(token).join('<token>');
}
