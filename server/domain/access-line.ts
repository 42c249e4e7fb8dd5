// A rule pasted whole from another server's configuration, read the way that server reads it.
// Pure (no server imports): the console's form shows the reading as the administrator types.
//   qmail tcp.smtp:   127.0.0.1:allow,RELAYCLIENT=""   66.115.47.:deny   10.1.:allow
//   sendmail access:  Connect:192.0.2.7 REJECT   From:spammer.example ERROR:"550 go away"
//                     To:example.org RELAY        spammer.example DISCARD
export type LineAction = 'RELAY' | 'OK' | 'REJECT' | 'DISCARD';
export type LineScope = 'connect' | 'sender' | 'recipient';

export interface PastedRule {
  format: 'qmail' | 'sendmail';
  pattern: string;
  action: LineAction;
  /** qmail lines and tagged sendmail lines say what they apply to; an untagged one does not. */
  scope?: LineScope;
  message?: string;
}

// The pattern may hold colons (IPv6); the last ":allow"/":deny" ends it (qmail's tcprules(1)).
const QMAIL = /^([^:\s]+(?::[^:,\s]*)*?):(allow|deny)(,.*)?$/;
const SENDMAIL = /^(?:(connect|from|to):)?(\S+)\s+(OK|RELAY|REJECT|DISCARD|ERROR:.*|[45]\d\d\s.*)$/i;
const SENDMAIL_TAGS: Record<string, LineScope> = { connect: 'connect', from: 'sender', to: 'recipient' };

/** The message of sendmail's `ERROR:"550 text"` / `ERROR:5.7.1:550 text` / `550 text`. */
function sendmailMessage(action: string): string | undefined {
  const text = action
    .replace(/^ERROR:/i, '')
    .replace(/^"(.*)"$/, '$1')
    .replace(/^\d\.\d{1,3}\.\d{1,3}:/, '')
    .replace(/^[45]\d\d[\s:-]*/, '')
    .replace(/^\d\.\d{1,3}\.\d{1,3}\s+/, '')
    .trim();
  return text || undefined;
}

/** Reads a qmail or sendmail line; null when the text is a bare pattern. */
export function parsePastedRule(input: string): PastedRule | null {
  const text = input.trim();
  const qmail = QMAIL.exec(text);
  if (qmail) {
    const [, pattern, verdict, variables] = qmail;
    const action: LineAction =
      verdict === 'deny' ? 'REJECT' : /RELAYCLIENT=/.test(variables ?? '') ? 'RELAY' : 'OK';
    return { format: 'qmail', pattern: pattern!, action, scope: 'connect' };
  }
  const sendmail = SENDMAIL.exec(text);
  if (sendmail) {
    const [, tag, pattern, action] = sendmail;
    const word = action!.toUpperCase();
    const plain = (['OK', 'RELAY', 'REJECT', 'DISCARD'] as const).find((known) => known === word);
    return {
      format: 'sendmail',
      pattern: pattern!,
      action: plain ?? 'REJECT',
      scope: tag ? SENDMAIL_TAGS[tag.toLowerCase()] : undefined,
      message: plain ? undefined : sendmailMessage(action!),
    };
  }
  return null;
}

/** "qmail line: 127.0.0.1 → RELAY (connecting client)", for the form's hint and its reply. */
export function describePastedRule(rule: PastedRule): string {
  const scope = rule.scope
    ? { connect: 'connecting client', sender: 'sender', recipient: 'recipient' }[rule.scope]
    : undefined;
  return `${rule.format} line: ${rule.pattern} → ${rule.action}${scope ? ` (${scope})` : ''}${
    rule.message ? `, “${rule.message}”` : ''
  }`;
}
