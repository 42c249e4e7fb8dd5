// ACME HTTP-01 (RFC 8555 8.3): the CA fetches http://<name>/.well-known/acme-challenge/<token> on
// the web port; the worker stored the answer in the data directory (server/acme/challenges.ts).
import { challengeHttpResponse } from '@/server/acme/challenges';

export const dynamic = 'force-dynamic';

export async function GET(
  _request: Request,
  context: { params: Promise<{ token: string }> },
): Promise<Response> {
  return challengeHttpResponse((await context.params).token);
}
