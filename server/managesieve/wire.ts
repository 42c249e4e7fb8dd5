// Server responses (RFC 5804 section 4): strings go quoted when they can, as a literal otherwise.
const QUOTABLE_MAX = 1024;

export function sieveString(value: string): string {
  if (value.length <= QUOTABLE_MAX && !/[\r\n\0]/.test(value))
    return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  return `{${Buffer.byteLength(value, 'utf8')}}\r\n${value}`;
}

/** OK / NO / BYE with an optional response code, e.g. NO (QUOTA/MAXSIZE) "Script too big". */
export function response(kind: 'OK' | 'NO' | 'BYE', text?: string, code?: string): string {
  return [kind, code ? `(${code})` : null, text !== undefined ? sieveString(text) : null]
    .filter(Boolean)
    .join(' ');
}
