// What the server announces (RFC 9051 section 7.2.2). AUTH= mechanisms and LOGINDISABLED depend
// on whether the connection is already encrypted (RFC 9051 section 6.2.3, RFC 8314).
export const APPEND_LIMIT = 50 * 1024 * 1024;

const ALWAYS = [
  'IMAP4rev1',
  'IMAP4rev2',
  'LITERAL+',
  'BINARY',
  'MULTIAPPEND',
  'SASL-IR',
  'ID',
  'ENABLE',
  'IDLE',
  'NAMESPACE',
  'UNSELECT',
  'UIDPLUS',
  'MOVE',
  'CHILDREN',
  'SPECIAL-USE',
  'CREATE-SPECIAL-USE',
  'LIST-EXTENDED',
  'LIST-STATUS',
  'ESEARCH',
  'CONDSTORE',
  'QRESYNC',
  'UTF8=ACCEPT',
  `APPENDLIMIT=${APPEND_LIMIT}`,
  'STATUS=SIZE',
  'QUOTA',
  'QUOTA=RES-STORAGE',
  'SORT',
  'SORT=DISPLAY',
  'ESORT',
  'THREAD=ORDEREDSUBJECT',
  'THREAD=REFERENCES',
  'CATENATE',
  'URLAUTH',
  'URLAUTH=BINARY',
  'CONTEXT=SEARCH',
  'CONTEXT=SORT',
  'PARTIAL',
  'NOTIFY',
];

export function capabilities(input: {
  secure: boolean;
  authenticated: boolean;
  allowPlainAuth: boolean;
  canStartTls: boolean;
}): string {
  const list = [...ALWAYS];
  if (!input.authenticated) {
    if (!input.secure && input.canStartTls) list.push('STARTTLS');
    if (input.secure || input.allowPlainAuth)
      list.push('AUTH=PLAIN', 'AUTH=LOGIN', 'AUTH=OAUTHBEARER', 'AUTH=XOAUTH2');
    else list.push('LOGINDISABLED');
  }
  return list.join(' ');
}
