// GET ?q= — address suggestions for compose.
import { handleMail, json } from '@/server/webmail/http';
import { suggestAddresses } from '@/server/webmail';

export const dynamic = 'force-dynamic';

export function GET(request: Request) {
  return handleMail(request, async ({ user, actor }) =>
    json({
      suggestions: await suggestAddresses(user, actor, new URL(request.url).searchParams.get('q') ?? ''),
    }),
  );
}
