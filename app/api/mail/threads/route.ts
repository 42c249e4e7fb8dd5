// GET ?folder=&page=&size= — one page of the folder's conversations (THREAD=REFERENCES).
import { handleMail, json, folderParam, intParam } from '@/server/webmail/http';
import { listThreads } from '@/server/webmail';

export const dynamic = 'force-dynamic';

export function GET(request: Request) {
  return handleMail(request, async ({ user }) => {
    const params = new URL(request.url).searchParams;
    return json(
      await listThreads(user, folderParam(params.get('folder')), {
        page: Math.max(0, intParam(params.get('page'), 0)),
        pageSize: intParam(params.get('size'), 50),
      }),
    );
  });
}
