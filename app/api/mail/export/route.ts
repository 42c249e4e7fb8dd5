// GET ?folder= — the folder as an mbox file download (the signed-in mailbox's own folders only).
import { handleMail, folderParam, contentDisposition } from '@/server/webmail/http';
import { findFolder } from '@/server/store';
import { mboxChunks } from '@/server/migrate-in';
import { NotFoundError } from '@/server/domain';

export const dynamic = 'force-dynamic';

export function GET(request: Request) {
  return handleMail(request, async ({ user }) => {
    const name = folderParam(new URL(request.url).searchParams.get('folder'));
    const folder = await findFolder(user.id, name);
    if (!folder) throw new NotFoundError(`folder ${name}`);
    const chunks = mboxChunks(folder.id);
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(new Uint8Array(next.value));
      },
      async cancel() {
        await chunks.return(undefined);
      },
    });
    const fileName = `${name.replace(/[^\w.-]+/g, '_') || 'folder'}.mbox`;
    return new Response(body, {
      headers: {
        'content-type': 'application/mbox',
        'content-disposition': contentDisposition('attachment', fileName),
        'x-content-type-options': 'nosniff',
        'cache-control': 'private, no-store',
      },
    });
  });
}
