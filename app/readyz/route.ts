// Readiness: the database answers and the mail worker's listeners are up; else 503 with the reasons.
import { readiness } from '@/server/ops/health';

export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  const report = await readiness();
  return Response.json(
    { status: report.ready ? 'ready' : 'unavailable', ...report.checks },
    { status: report.ready ? 200 : 503, headers: { 'cache-control': 'no-store' } },
  );
}
