// GET ?folder=&uid= — the raw message as plain text (never interpreted as HTML).
import { handleMail, folderParam, uidParam, contentDisposition } from '@/server/webmail/http';
import { fetchSource } from '@/server/webmail';

export const dynamic = 'force-dynamic';

export function GET(request: Request) {
  return handleMail(request, async ({ user }) => {
    const params = new URL(request.url).searchParams;
    const uid = uidParam(params.get('uid'));
    const { source } = await fetchSource(user, folderParam(params.get('folder')), uid);
    const download = params.get('download') === '1';
    return new Response(new Uint8Array(source), {
      headers: {
        'content-type': download ? 'message/rfc822' : 'text/plain; charset=utf-8',
        'content-disposition': contentDisposition(download ? 'attachment' : 'inline', `message-${uid}.eml`),
        'content-security-policy': "default-src 'none'; sandbox",
        'x-content-type-options': 'nosniff',
        'cache-control': 'private, no-store',
      },
    });
  });
}
