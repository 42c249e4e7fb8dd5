// GET ?folder=&uid=&images=1 — one message, parsed and sanitised; marks it \Seen.
import { handleMail, json, folderParam, uidParam } from '@/server/webmail/http';
import { readMessage } from '@/server/webmail';

export const dynamic = 'force-dynamic';

export function GET(request: Request) {
  return handleMail(request, async ({ user }) => {
    const params = new URL(request.url).searchParams;
    const message = await readMessage(user, folderParam(params.get('folder')), uidParam(params.get('uid')), {
      allowRemote: params.get('images') === '1',
      markSeen: params.get('peek') !== '1',
    });
    return json(message);
  });
}
