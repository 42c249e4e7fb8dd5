// POST { folder, uids, action, target? } — read/unread, flag/unflag, move, delete, junk/not junk.
import { handleMail, json, folderParam } from '@/server/webmail/http';
import { setFlag, moveMessages, deleteMessages, markJunk } from '@/server/webmail';
import { FieldError } from '@/server/domain/errors';

export const dynamic = 'force-dynamic';

interface ActionBody {
  folder?: string;
  uids?: number[];
  action?: string;
  target?: string;
}

export function POST(request: Request) {
  return handleMail(
    request,
    async ({ user }) => {
      const body = (await request.json().catch(() => ({}))) as ActionBody;
      const folder = folderParam(body.folder);
      const uids = body.uids ?? [];
      switch (body.action) {
        case 'seen':
        case 'unseen':
          await setFlag(user, folder, uids, 'seen', body.action === 'seen');
          return json({ ok: true });
        case 'flag':
        case 'unflag':
          await setFlag(user, folder, uids, 'flagged', body.action === 'flag');
          return json({ ok: true });
        case 'move':
          return json({
            ok: true,
            moved: await moveMessages(user, folder, uids, folderParam(body.target, 'target')),
          });
        case 'delete':
          return json({ ok: true, ...(await deleteMessages(user, folder, uids)) });
        case 'junk':
        case 'notjunk':
          return json({ ok: true, ...(await markJunk(user, folder, uids, body.action === 'junk')) });
        default:
          throw new FieldError('action', 'Unknown action.');
      }
    },
    { change: true },
  );
}
