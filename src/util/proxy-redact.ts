/**
 * Proxy passwords out of everything mlcheck prints. A password reaches a message in several
 * forms: inside the proxy URL (with or without its scheme), percent-encoded or decoded, quoted
 * by an HTTP library's error, or as the Basic credentials of a Proxy-Authorization header.
 */

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
/** Shorter passwords are not searched for in free text (they would blank out ordinary words); in a proxy URL they are always redacted. */
const MIN_SECRET_LENGTH = 4;
const MASK = '***';

interface Userinfo {
  /** Everything before the user name: the scheme and `//`, or nothing. */
  prefix: string;
  user: string;
  password: string;
  /** The host, port and anything after, from just after the `@`. */
  rest: string;
}

/** The user and password of a proxy value, as curl splits them: up to the last `@`, the password after the first `:`. */
function userinfoOf(value: string): Userinfo | null {
  const prefix = SCHEME.exec(value)?.[0] ?? '';
  const afterScheme = value.slice(prefix.length);
  const at = afterScheme.lastIndexOf('@');
  if (at < 0) return null;
  const credentials = afterScheme.slice(0, at);
  const colon = credentials.indexOf(':');
  return {
    prefix,
    user: colon < 0 ? credentials : credentials.slice(0, colon),
    password: colon < 0 ? '' : credentials.slice(colon + 1),
    rest: afterScheme.slice(at + 1),
  };
}

/** A proxy URL (with or without its scheme) with its password replaced by `***`; the user name stays, to tell proxies apart. */
export function redactProxyUrl(value: string): string {
  const parts = userinfoOf(value);
  if (parts === null || parts.password === '') return value;
  return `${parts.prefix}${parts.user}:${MASK}@${parts.rest}`;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The proxy values of an environment: every *_proxy variable but no_proxy, either case (curl's, wget's, global-agent's). */
function proxyValues(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([name, value]) => /_proxy$/i.test(name) && !/^no_proxy$/i.test(name) && typeof value === 'string' && value !== '')
    .map(([, value]) => (value as string).trim());
}

/** Each form a proxy's password can take in a message, longest first. */
function secretsOf(parts: Userinfo): string[] {
  const password = decoded(parts.password);
  const user = decoded(parts.user);
  let whatwg = parts.password;
  try {
    whatwg = new URL(`http://u:${parts.password}@h`).password;
  } catch {
    // Not a URL password at all: its raw and decoded forms are still searched for.
  }
  const forms = [parts.password, password, encodeURIComponent(password), whatwg, Buffer.from(`${user}:${password}`).toString('base64')];
  return [...new Set(forms)].filter((form) => form.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

/**
 * `text` with every proxy password of `env` redacted: first each whole proxy value (so the URL
 * keeps its shape, `http://alice:***@proxy:3128`), then each remaining form of the password.
 */
export function redactProxyCredentials(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let result = text;
  for (const value of proxyValues(env)) {
    const parts = userinfoOf(value);
    if (parts === null || parts.password === '') continue;
    result = result.split(value).join(redactProxyUrl(value));
    for (const secret of secretsOf(parts)) result = result.split(secret).join(MASK);
  }
  return result;
}
