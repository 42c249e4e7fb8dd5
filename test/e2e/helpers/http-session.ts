// A console client over plain HTTP (node:http, so a test can pick the local address it connects
// from and send any header): next-auth's CSRF round trip and credentials sign-in, and requests
// that carry a copied session cookie.
import http from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The local address to connect from (any 127.x.y.z works on Linux's loopback). */
  localAddress?: string;
}

export function httpRequest(url: string, options: HttpOptions = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        localAddress: options.localAddress,
        timeout: 60_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer from ${url}`)));
    request.on('error', reject);
    request.end(options.body);
  });
}

/** "name=value" pairs from Set-Cookie headers, merged over the ones given. */
function mergeCookies(jar: Map<string, string>, setCookie: string[] | undefined): void {
  for (const line of setCookie ?? []) {
    const [pair] = line.split(';');
    const eq = pair!.indexOf('=');
    jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1));
  }
}

export interface HttpSignIn {
  /** The Cookie header of the signed-in client (session token included), or undefined. */
  cookie?: string;
  /** next-auth's error text when the sign-in was refused. */
  error?: string;
  /** Every Location / JSON url next-auth answered with. */
  redirects: string[];
}

export async function httpSignIn(
  baseUrl: string,
  username: string,
  password: string,
  options: { headers?: Record<string, string>; localAddress?: string } = {},
): Promise<HttpSignIn> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  const csrf = await httpRequest(`${baseUrl}/api/auth/csrf`, options);
  mergeCookies(jar, csrf.headers['set-cookie']);
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const answer = await httpRequest(`${baseUrl}/api/auth/callback/credentials`, {
    method: 'POST',
    localAddress: options.localAddress,
    headers: {
      ...options.headers,
      'content-type': 'application/x-www-form-urlencoded',
      cookie: cookieHeader(),
      origin: baseUrl,
    },
    body: new URLSearchParams({ csrfToken, username, password, json: 'true', callbackUrl: '/' }).toString(),
  });
  mergeCookies(jar, answer.headers['set-cookie']);
  const redirects: string[] = [];
  if (answer.headers.location) redirects.push(answer.headers.location);
  let error: string | undefined;
  try {
    const { url } = JSON.parse(answer.body) as { url?: string };
    if (url) {
      redirects.push(url);
      error = new URL(url, baseUrl).searchParams.get('error') ?? undefined;
    }
  } catch {
    error = `unexpected answer ${answer.status}`;
  }
  const signedIn = [...jar.keys()].some((name) => name.endsWith('next-auth.session-token'));
  return { cookie: signedIn ? cookieHeader() : undefined, error: signedIn ? undefined : error, redirects };
}
