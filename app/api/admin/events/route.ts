// Server-Sent Events for the Logs page's live mode: new events matching the filters, polled
// from the shared event log (the worker writes it from another process).
import { getActor } from '@/server/web/session';
import { isSuper } from '@/server/domain/rights';
import { eventsAfter, filterFromParams, latestEventId } from '@/server/web/events-query';

export const dynamic = 'force-dynamic';

const POLL_MS = 1000;

export async function GET(request: Request): Promise<Response> {
  const actor = await getActor();
  if (!actor) return new Response('Sign in first', { status: 401 });
  if (!isSuper(actor)) return new Response('Forbidden', { status: 403 });
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const filter = { ...filterFromParams(params), since: undefined };
  let lastId =
    Number(request.headers.get('last-event-id')) || Number(params.after) || (await latestEventId());
  const encoder = new TextEncoder();
  let timer: NodeJS.Timeout | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(': live\n\n'));
      const tick = async () => {
        try {
          const rows = await eventsAfter(lastId, filter);
          for (const row of rows) {
            lastId = row.id;
            controller.enqueue(encoder.encode(`id: ${row.id}\ndata: ${JSON.stringify(row)}\n\n`));
          }
          if (rows.length === 0) controller.enqueue(encoder.encode(': ping\n\n'));
        } catch {
          // a failed poll is retried on the next tick
        }
        if (!request.signal.aborted) timer = setTimeout(tick, POLL_MS);
      };
      timer = setTimeout(tick, POLL_MS);
      request.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      });
    },
    cancel() {
      clearTimeout(timer);
    },
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
    },
  });
}
