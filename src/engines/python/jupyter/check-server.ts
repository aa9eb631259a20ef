import { UsageError } from '../../../util/errors.js';
import { redactToken } from './token.js';

export interface CheckServerOptions {
  url: string;
  token: string;
  /** Where the token came from, for the message (never the token). */
  tokenSource: string;
  kernel: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/**
 * Before any case runs: the server answers, accepts the token, and has the kernel. Each failure is
 * bad usage (exit 2) naming the server; the token itself never appears in a message.
 */
export async function checkJupyterServer(options: CheckServerOptions): Promise<{ kernels: string[] }> {
  const { url, token } = options;
  const endpoint = new URL('api/kernelspecs', url).toString();
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(endpoint, {
      headers: token === '' ? {} : { Authorization: `token ${token}` },
      // A hub answers an unauthenticated request with a redirect to its login page.
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new UsageError(redactToken(`cannot reach the Jupyter server ${url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, token), { fix: 'start the server, or correct --jupyter (the URL it prints at start-up, without ?token=)' });
  }
  if (response.status === 401 || response.status === 403 || (response.status >= 300 && response.status < 400)) {
    throw new UsageError(`Jupyter server ${url}: authentication failed (HTTP ${response.status}) with the token from ${options.tokenSource}`, {
      fix: 'put the server\'s token in JUPYTER_TOKEN or in a file named by --jupyter-token-file (a hub: an API token from its /hub/token page)',
    });
  }
  if (!response.ok) throw new UsageError(`Jupyter server ${url} answered HTTP ${response.status} to GET api/kernelspecs`, { fix: 'check that the URL is the server\'s base URL (a hub user server: https://hub/user/<name>/)' });
  let body: { kernelspecs?: Record<string, unknown> };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new UsageError(`Jupyter server ${url}: api/kernelspecs did not answer JSON; is this a Jupyter server?`, { fix: 'give the server\'s base URL' });
  }
  const kernels = Object.keys(body.kernelspecs ?? {}).sort();
  if (!kernels.includes(options.kernel)) {
    throw new UsageError(`Jupyter server ${url} has no kernel "${options.kernel}"`, { expected: kernels.join(', ') || '(none)', found: options.kernel, fix: 'name one of its kernels with --kernel (`jupyter kernelspec list` on the server)' });
  }
  return { kernels };
}
