// A form posted to a console page from another site (CSRF, or a page saved and reopened elsewhere).
// Next refuses such a server action itself, but by throwing, which shows a bare 500 page; the
// proxy answers first with a page that says what happened. The host comparison mirrors Next's
// (first X-Forwarded-Host, else Host, against the Origin's host); no Origin is left to Next.

/** True for a POST whose Origin is another site than the one it was sent to. */
export function isCrossSiteFormPost(method: string, headers: Headers): boolean {
  if (method !== 'POST') return false;
  const origin = headers.get('origin');
  if (!origin) return false;
  let originHost: string;
  try {
    originHost = origin === 'null' ? 'null' : new URL(origin).host;
  } catch {
    return true;
  }
  const forwarded = headers.get('x-forwarded-host')?.split(',')[0]?.trim();
  const hosts = [forwarded, headers.get('host')].filter(Boolean);
  return !hosts.includes(originHost);
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!,
  );
}

/** The 403 page: nothing was changed, and a link back to the page the form belongs to. */
export function crossSiteFormPage(pathname: string): Response {
  const back = pathname.startsWith('/') && !pathname.startsWith('//') ? pathname : '/';
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>This form expired or came from another site · Postroom</title>
<style>body{font-family:system-ui,sans-serif;background:#f8fafc;color:#0f172a;margin:0}
main{max-width:36rem;margin:12vh auto;padding:2rem;background:#fff;border:1px solid #e2e8f0;border-radius:.75rem}
h1{font-size:1.35rem;margin:0 0 .75rem}p{line-height:1.5;color:#334155}
a.btn{display:inline-block;margin-top:.5rem;padding:.5rem .9rem;border-radius:.4rem;background:#2f6fdb;color:#fff;text-decoration:none}</style>
</head><body><main role="main">
<h1>This form expired or came from another site</h1>
<p>The form was sent from a page that is not part of this Postroom console, so it was refused and <strong>nothing was changed</strong>.
If you did send it yourself, open the page again and send the form from there.</p>
<p><a class="btn" href="${escapeHtml(back)}">Back to the page</a></p>
</main></body></html>`;
  return new Response(html, {
    status: 403,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  });
}
