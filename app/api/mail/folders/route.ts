// GET: the user's folders with unread counts. POST: create. PATCH: rename. DELETE: delete.
import { handleMail, json, folderParam } from '@/server/webmail/http';
import { listFolders, createFolder, renameFolder, deleteFolder } from '@/server/webmail';

export const dynamic = 'force-dynamic';

export function GET(request: Request) {
  return handleMail(request, async ({ user }) => json({ folders: await listFolders(user) }));
}

export function POST(request: Request) {
  return handleMail(
    request,
    async ({ user }) => {
      const body = (await request.json().catch(() => ({}))) as { name?: string; parent?: string };
      const path = await createFolder(
        user,
        String(body.name ?? ''),
        body.parent ? folderParam(body.parent, 'parent') : undefined,
      );
      return json({ path }, 201);
    },
    { change: true },
  );
}

export function PATCH(request: Request) {
  return handleMail(
    request,
    async ({ user }) => {
      const body = (await request.json().catch(() => ({}))) as { path?: string; name?: string };
      return json({ path: await renameFolder(user, folderParam(body.path), String(body.name ?? '')) });
    },
    { change: true },
  );
}

export function DELETE(request: Request) {
  return handleMail(
    request,
    async ({ user }) => {
      await deleteFolder(user, folderParam(new URL(request.url).searchParams.get('path')));
      return json({ ok: true });
    },
    { change: true },
  );
}
