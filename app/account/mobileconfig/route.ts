// My account → "Apple devices": the signed-in mailbox's .mobileconfig profile (IMAP + SMTP).
import { getMailbox } from '@/server/domain';
import { appleMailProfile } from '@/server/ops/mobileconfig';
import { clientSettings } from '@/server/ops/public-ports';
import { getActor } from '@/server/web/session';

export const dynamic = 'force-dynamic';

export async function GET(request: Request): Promise<Response> {
  const actor = await getActor();
  if (!actor || actor.userId === undefined)
    return Response.redirect(new URL('/signin?callbackUrl=%2Faccount', request.url), 303);
  const mailbox = await getMailbox(actor.name, actor);
  const profile = appleMailProfile(
    { address: mailbox.address, displayName: mailbox.displayName },
    clientSettings(),
  );
  if (!profile) return new Response('This server announces no IMAP or SMTP port\n', { status: 404 });
  const filename = `${mailbox.address.replace(/[^A-Za-z0-9._@-]/g, '_')}.mobileconfig`;
  return new Response(profile, {
    headers: {
      'content-type': 'application/x-apple-aspen-config',
      'content-disposition': `attachment; filename="${filename}"`,
      'cache-control': 'no-store',
    },
  });
}
