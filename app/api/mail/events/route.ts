// GET — server-sent events: new, removed or changed mail in INBOX, from the user's IDLE watcher.
import { handleMail } from '@/server/webmail/http';
import { subscribeMailEvents, type MailEvent } from '@/server/webmail';
import { touchWebSession } from '@/server/auth/web-sessions';
import { currentWebSessionId } from '@/server/web/session';

export const dynamic = 'force-dynamic';

// An open stream outlives the request's session check: it is checked again this often, so
// signing out (or a new password elsewhere) closes it too.
const SESSION_RECHECK_MS = 10_000;

export function GET(request: Request) {
  return handleMail(request, async ({ user }) => {
    const sessionId = await currentWebSessionId();
    const encoder = new TextEncoder();
    let cleanup = () => {};
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (event: MailEvent) =>
          controller.enqueue(encoder.encode(`event: mail\ndata: ${JSON.stringify(event)}\n\n`));
        const unsubscribe = subscribeMailEvents(user, send);
        // A comment line now and then keeps proxies from closing a quiet stream.
        const heartbeat = setInterval(() => controller.enqueue(encoder.encode(': ping\n\n')), 25_000);
        const end = () => {
          cleanup();
          try {
            controller.close();
          } catch {
            // already closed
          }
        };
        const sessionCheck = setInterval(async () => {
          const live = sessionId ? await touchWebSession(sessionId, user.id).catch(() => true) : false;
          if (!live) end();
        }, SESSION_RECHECK_MS);
        cleanup = () => {
          clearInterval(heartbeat);
          clearInterval(sessionCheck);
          unsubscribe();
        };
        request.signal.addEventListener('abort', end);
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
