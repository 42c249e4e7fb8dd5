// Prometheus metrics of the web and the mail worker, for POSTROOM_METRICS_ALLOW only (loopback by
// default): the client address is the socket's, or what POSTROOM_TRUSTED_PROXIES vouch for.
import { metricsAllowed } from '@/server/ops/metrics-access';
import { collectMetrics } from '@/server/ops/scrape';
import { clientIpFrom } from '@/server/web/client-ip';

export const dynamic = 'force-dynamic';

export async function GET(request: Request): Promise<Response> {
  if (!metricsAllowed(clientIpFrom((name) => request.headers.get(name))))
    return new Response('Forbidden: this address may not read metrics (POSTROOM_METRICS_ALLOW)\n', {
      status: 403,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  const { body, contentType } = await collectMetrics();
  return new Response(body, { headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
}
