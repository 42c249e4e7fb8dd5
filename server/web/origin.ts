// CSRF defence for route handlers that change something: the browser's Origin (or, failing that,
// Referer) must be this site. Server actions get the same check from Next itself.
export function isSameOrigin(request: Request): boolean {
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host');
  if (!host) return false;
  const source = request.headers.get('origin') ?? request.headers.get('referer');
  if (!source || source === 'null') return false;
  try {
    return new URL(source).host === host;
  } catch {
    return false;
  }
}

/** A 403 response for a cross-site mutation, or null when the request may go on. */
export function rejectCrossSite(request: Request): Response | null {
  return isSameOrigin(request) ? null : new Response('Forbidden: cross-site request', { status: 403 });
}
