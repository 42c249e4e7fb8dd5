// The page's calls to /api/mail: JSON in and out, errors carry the field the server named.
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly field?: string,
  ) {
    super(message);
  }
}

export async function api<T>(url: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (init.body && typeof init.body === 'string') headers.set('content-type', 'application/json');
  const response = await fetch(url, { ...init, headers, credentials: 'same-origin' });
  if (response.status === 401) {
    window.location.href = `/signin?callbackUrl=${encodeURIComponent(window.location.pathname + window.location.search)}`;
    throw new ApiError('Signed out', 401);
  }
  const body = (await response.json().catch(() => ({}))) as T & { error?: string; field?: string };
  if (!response.ok)
    throw new ApiError(body.error ?? `Request failed (${response.status})`, response.status, body.field);
  return body;
}

export function postJson<T>(url: string, body: unknown, method = 'POST'): Promise<T> {
  return api<T>(url, { method, body: JSON.stringify(body) });
}

export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  return search.toString();
}
