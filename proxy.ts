// Runs before every console and webmail page: a form posted from another site gets a clear 403
// page instead of the bare 500 that Next's own refusal of the server action shows.
import type { NextRequest } from 'next/server';
import { crossSiteFormPage, isCrossSiteFormPost } from './server/web/cross-site-form';

export function proxy(request: NextRequest): Response | undefined {
  if (isCrossSiteFormPost(request.method, request.headers))
    return crossSiteFormPage(request.nextUrl.pathname);
  return undefined;
}

// Pages only: route handlers under /api check their own origin (server/web/origin.ts).
export const config = { matcher: ['/((?!api/|_next/|favicon.ico).*)'] };
