// GET ?folder=&uid=&index=&inline=1 — an attachment. Always a download, except images asked for
// inline (cid: parts in the reading frame); a sandbox CSP and nosniff make sure nothing served
// from here can run in our origin.
import { handleMail, folderParam, uidParam, intParam, contentDisposition } from '@/server/webmail/http';
import { readAttachment } from '@/server/webmail';

export const dynamic = 'force-dynamic';

const INLINE_TYPES = /^image\/(png|gif|jpeg|webp|bmp)$/i;

export function GET(request: Request) {
  return handleMail(request, async ({ user }) => {
    const params = new URL(request.url).searchParams;
    const attachment = await readAttachment(
      user,
      folderParam(params.get('folder')),
      uidParam(params.get('uid')),
      intParam(params.get('index'), -1),
    );
    const inline = params.get('inline') === '1' && INLINE_TYPES.test(attachment.contentType);
    return new Response(new Uint8Array(attachment.content), {
      headers: {
        'content-type': inline
          ? attachment.contentType
          : attachment.contentType.replace(/[^\w.+/-]/g, '') || 'application/octet-stream',
        'content-length': String(attachment.content.length),
        'content-disposition': contentDisposition(inline ? 'inline' : 'attachment', attachment.filename),
        'content-security-policy': "default-src 'none'; sandbox",
        'x-content-type-options': 'nosniff',
        'cache-control': 'private, max-age=300',
      },
    });
  });
}
