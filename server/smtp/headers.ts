// What DATA needs from the incoming header block: loop signs (RFC 5321 6.3: too many Received
// hops; our own Delivered-To already there) and forged Authentication-Results that claim to be
// ours, which must go before we add our own (RFC 8601 5).
interface HeaderField {
  name: string;
  /** The whole field, folded lines included, with its line break. */
  raw: string;
}

function splitHeader(message: Buffer): { fields: HeaderField[]; bodyStart: number } {
  let end = message.indexOf('\r\n\r\n');
  let bodyStart = end < 0 ? message.length : end + 4;
  if (end < 0) {
    end = message.indexOf('\n\n');
    bodyStart = end < 0 ? message.length : end + 2;
  }
  const head = message.subarray(0, end < 0 ? message.length : end).toString('latin1');
  const fields: HeaderField[] = [];
  for (const line of head.split(/(?<=\n)/)) {
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1]!.raw += line;
    else
      fields.push({
        name: line
          .slice(0, Math.max(0, line.indexOf(':')))
          .trim()
          .toLowerCase(),
        raw: line,
      });
  }
  if (fields.length > 0 && !/\n$/.test(fields[fields.length - 1]!.raw))
    fields[fields.length - 1]!.raw += '\r\n';
  return { fields, bodyStart };
}

export function headerFacts(message: Buffer): { hops: number; deliveredTo: string[] } {
  const { fields } = splitHeader(message);
  return {
    hops: fields.filter((field) => field.name === 'received').length,
    deliveredTo: fields
      .filter((field) => field.name === 'delivered-to')
      .map((field) =>
        field.raw
          .slice(field.raw.indexOf(':') + 1)
          .trim()
          .toLowerCase(),
      ),
  };
}

/** Drops Authentication-Results fields whose authserv-id is ours (forged or stale). */
export function stripOwnAuthenticationResults(message: Buffer, authservId: string): Buffer {
  const { fields, bodyStart } = splitHeader(message);
  const ours = (field: HeaderField) =>
    field.name === 'authentication-results' &&
    field.raw
      .slice(field.raw.indexOf(':') + 1)
      .trim()
      .split(/[;\s]/)[0]!
      .toLowerCase() === authservId.toLowerCase();
  if (!fields.some(ours)) return message;
  const kept = fields
    .filter((field) => !ours(field))
    .map((field) => field.raw)
    .join('');
  return Buffer.concat([Buffer.from(kept, 'latin1'), Buffer.from('\r\n'), message.subarray(bodyStart)]);
}
