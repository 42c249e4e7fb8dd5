// Links in a plain-text body: http, https and mailto only (a bare www. becomes https, a bare
// address mailto). The text is split into pieces that the reader renders as React text and
// <a> elements, so nothing is ever parsed as HTML and no other scheme (javascript:, data:) can
// become a link.
export type TextPiece = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

const CANDIDATE =
  /\b(?:https?:\/\/|mailto:|www\.)[^\s<>"'`]+|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/gi;
const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;
const ALLOWED = new Set(['http:', 'https:', 'mailto:']);
// Sentence punctuation after a link is not part of it.
const TRAILING = /[.,;:!?'")\]}>]+$/;

/** Drops trailing punctuation, keeping a closing ")" that balances one in the link itself. */
function trimTrailing(candidate: string): string {
  let text = candidate.replace(TRAILING, '');
  const tail = candidate.slice(text.length);
  for (const char of tail) {
    const opens = (text.match(/\(/g) ?? []).length;
    const closes = (text.match(/\)/g) ?? []).length;
    if (char === ')' && opens > closes) text += char;
    else break;
  }
  return text;
}

/** The href for a matched text, or null when it is not a safe, well-formed link. */
export function safeHref(text: string): string | null {
  const raw = /^www\./i.test(text)
    ? `https://${text}`
    : /^(https?:\/\/|mailto:)/i.test(text)
      ? text
      : EMAIL.test(text)
        ? `mailto:${text}`
        : null;
  if (raw === null) return null;
  try {
    const url = new URL(raw);
    if (!ALLOWED.has(url.protocol)) return null;
    if (url.protocol !== 'mailto:' && !url.hostname) return null;
    return url.href;
  } catch {
    return null;
  }
}

export function linkify(text: string): TextPiece[] {
  const pieces: TextPiece[] = [];
  let at = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const start = match.index ?? 0;
    // Part of a longer word (e.g. "xhttp://"): not a link.
    if (start < at) continue;
    const linkText = trimTrailing(match[0]);
    const href = linkText ? safeHref(linkText) : null;
    if (!href) continue;
    if (start > at) pieces.push({ kind: 'text', text: text.slice(at, start) });
    pieces.push({ kind: 'link', text: linkText, href });
    at = start + linkText.length;
  }
  if (at < text.length) pieces.push({ kind: 'text', text: text.slice(at) });
  return pieces;
}
