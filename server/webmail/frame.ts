// The reading frame's document. No imports: the browser bundle uses it too.
/** Escapes text for HTML (used to show a plain-text body inside the same frame). */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * The srcdoc of the reading frame: our CSP first, so nothing in the mail can load a script, a
 * frame, a form target or (until allowed) a remote image. `origin` is the webmail's own origin,
 * from which inline cid: parts are served.
 */
export function frameDocument(body: string, options: { origin: string; allowRemote: boolean }): string {
  const images = options.allowRemote ? `${options.origin} data: https: http:` : `${options.origin} data:`;
  const policy = [
    "default-src 'none'",
    "script-src 'none'",
    "object-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
    `img-src ${images}`,
    "style-src 'unsafe-inline'",
    'font-src data:',
  ].join('; ');
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${policy}"><meta name="referrer" content="no-referrer"><base target="_blank"><style>body{margin:0;padding:12px;font-family:system-ui,sans-serif;font-size:14px;line-height:1.45;color:#1f2937;overflow-wrap:anywhere}img{max-width:100%;height:auto}pre{white-space:pre-wrap}blockquote{margin:0 0 0 .5em;padding-left:.75em;border-left:3px solid #d1d5db;color:#4b5563}</style></head><body>${body}</body></html>`;
}
