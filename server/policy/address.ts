// Envelope addresses as they arrive in MAIL FROM / RCPT TO (RFC 5321 4.1.2), and the classic
// relay tricks an open-relay test battery tries. The listener and the console's rule tester both
// come through here, so a raw string typed into the console is judged like one on the wire.
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';

export type RelayTrick =
  | 'percent hack'
  | 'bang path'
  | 'quoted local part'
  | 'trailing dot'
  | 'IP-literal domain';

export type EnvelopeAddress =
  | { ok: true; address: string; local: string; domain: string; sourceRouteIgnored: boolean }
  | { ok: false; syntax: true; input: string }
  | { ok: false; syntax: false; trick: RelayTrick; input: string };

/**
 * Parses `<addr>` or `addr`. A source route (`@a,@b:user@c`) is dropped as RFC 5321 appendix C
 * says, so `user@c` is then judged on its own. The empty string is the null reverse-path.
 */
export function parseEnvelopeAddress(raw: string): EnvelopeAddress {
  let text = raw.trim();
  if (text.startsWith('<') && text.endsWith('>')) text = text.slice(1, -1).trim();
  const input = text;
  let sourceRouteIgnored = false;
  const route = /^@[^:,@\s]+(?:,@[^:,@\s]+)*:/.exec(text);
  if (route) {
    text = text.slice(route[0].length);
    sourceRouteIgnored = true;
  }
  if (text === '') return { ok: true, address: '', local: '', domain: '', sourceRouteIgnored };
  if (/[\s\x00-\x1f\x7f<>]/.test(text)) return { ok: false, syntax: true, input };
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) return { ok: false, syntax: true, input };
  const local = text.slice(0, at);
  const domainText = text.slice(at + 1);
  if (local.startsWith('"')) {
    // "user@other"@here or "user%other"@here: a quoted part hides a second route (RFC 5321 4.1.2).
    if (!local.endsWith('"') || local.length < 2) return { ok: false, syntax: true, input };
    if (/[@%!]/.test(local)) return { ok: false, syntax: false, trick: 'quoted local part', input };
  } else if (local.includes('@')) {
    return { ok: false, syntax: true, input };
  }
  if (local.includes('%')) return { ok: false, syntax: false, trick: 'percent hack', input };
  if (local.includes('!')) return { ok: false, syntax: false, trick: 'bang path', input };
  if (domainText.startsWith('[') && domainText.endsWith(']'))
    return { ok: false, syntax: false, trick: 'IP-literal domain', input };
  if (isIP(domainText)) return { ok: false, syntax: false, trick: 'IP-literal domain', input };
  if (domainText.endsWith('.')) return { ok: false, syntax: false, trick: 'trailing dot', input };
  const domain = domainToASCII(domainText.toLowerCase());
  if (
    !domain ||
    domain.length > 253 ||
    !domain.split('.').every((label) => /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/.test(label)) ||
    !domain.includes('.')
  ) {
    return { ok: false, syntax: true, input };
  }
  if (local.length > 64 || /^\.|\.$|\.\./.test(local)) return { ok: false, syntax: true, input };
  return { ok: true, address: `${local}@${domain}`, local, domain, sourceRouteIgnored };
}
