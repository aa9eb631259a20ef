import path from 'node:path';
import { UsageError } from '../../../util/errors.js';
import { withholdSecretValue } from '../../../util/withheld-secrets.js';
import type { ResolveContext } from '../../engine-options.js';
import { DEFAULT_KERNEL_TIMEOUT_SECONDS, localOptionGiven, type PythonFlags } from '../cli-options.js';
import { checkJupyterServer } from './check-server.js';
import { parseServerUrl } from './server-url.js';
import type { JupyterTarget } from './target.js';
import { readJupyterToken } from './token.js';

/**
 * --jupyter and --kernel, checked before anything runs: the URL (no token in it; a warning for
 * plain http to another machine), the token (JUPYTER_TOKEN or --jupyter-token-file), and the
 * server itself: it answers, accepts the token and has the kernel. Any failure is exit 2.
 */
export async function jupyterTargetFromFlags(flags: PythonFlags, context: ResolveContext): Promise<JupyterTarget> {
  if (flags.jupyter === undefined || flags.kernel === undefined) throw new UsageError('--jupyter and --kernel go together: the server, and the kernel it starts', { fix: 'e.g. --jupyter http://127.0.0.1:8888/ --kernel python3' });
  if (localOptionGiven(flags)) throw new UsageError("--jupyter runs the kits in the kernel's own environment: --python, --modules, --module-path, --kit installed and --examples-dir do not apply to it", { fix: 'load modules in the kernelspec (its argv or env), or drop --jupyter to run them locally' });
  if (!/^[A-Za-z0-9._-]+$/.test(flags.kernel)) throw new UsageError(`--kernel "${flags.kernel}" is not a kernel name`, { expected: 'letters, digits, ., _ and - (as `jupyter kernelspec list` prints)', found: flags.kernel });
  const { url, warning } = parseServerUrl(flags.jupyter);
  if (warning !== null) context.note(`warning: ${warning}`);
  const tokenFile = flags.jupyterTokenFile === undefined ? undefined : path.resolve(flags.jupyterTokenFile);
  const token = readJupyterToken({ tokenFile, env: context.env });
  if (token.warning !== null) context.note(`warning: ${token.warning}`);
  // A token from a file may also sit in another variable (JUPYTERHUB_API_TOKEN, an export): out of every child's environment too.
  withholdSecretValue(token.token, context.env);
  await checkJupyterServer({ url, token: token.token, tokenSource: token.source, kernel: flags.kernel });
  return { url, kernel: flags.kernel, ...(tokenFile !== undefined && { tokenFile }), startTimeoutSeconds: flags.kernelTimeout ?? DEFAULT_KERNEL_TIMEOUT_SECONDS };
}
