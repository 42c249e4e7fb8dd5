// GET — server-sent events: new, removed or changed mail in INBOX, from the user's IDLE watcher.
import { handleMail } from '@/server/webmail/http';
import { subscribeMailEvents, type MailEvent } from '@/server/webmail';

export const dynamic = 'force-dynamic';

export function GET(request: Request) {
  return handleMail(request, async ({ user }) => {
    const encoder = new TextEncoder();
    let cleanup = () => {};
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (event: MailEvent) =>
          controller.enqueue(encoder.encode(`event: mail\ndata: ${JSON.stringify(event)}\n\n`));
        const unsubscribe = subscribeMailEvents(user, send);
        // A comment line now and then keeps proxies from closing a quiet stream.
        const heartbeat = setInterval(() => controller.enqueue(encoder.encode(': ping\n\n')), 25_000);
        cleanup = () => {
          clearInterval(heartbeat);
          unsubscribe();
        };
        request.signal.addEventListener('abort', () => {
          cleanup();
          try {
            controller.close();
          } catch {
            // already closed
          }
        });
        send({ type: 'hello', folder: 'INBOX' });
      },
      cancel() {
        cleanup();
      },
    });
    return new Response(stream, {
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      },
    });
  });
}
