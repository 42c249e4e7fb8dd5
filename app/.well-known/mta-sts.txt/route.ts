// The MTA-STS policy (RFC 8461 3.2) for every domain here, served at
// https://mta-sts.<domain>/.well-known/mta-sts.txt. POSTROOM_MTA_STS_MODE: testing (default) or enforce.
import { config } from '@/server/core/config';

export const dynamic = 'force-dynamic';

export function GET(): Response {
  const mode = process.env.POSTROOM_MTA_STS_MODE === 'enforce' ? 'enforce' : 'testing';
  const body = `version: STSv1\r\nmode: ${mode}\r\nmx: ${config().hostname}\r\nmax_age: 604800\r\n`;
  return new Response(body, {
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'max-age=3600' },
  });
}
