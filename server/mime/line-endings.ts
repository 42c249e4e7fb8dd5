// Mail on the wire has CRLF line ends (RFC 5322 section 2.1); IMAP APPEND may bring bare LF (or
// CR) from sloppy clients. Storing the CRLF form keeps RFC822.SIZE, BODYSTRUCTURE sizes, POP3
// LIST sizes and the bytes sent all in agreement.

/** The content with every line break as CRLF; the same Buffer when it already is. */
export function toCrlf(raw: Buffer): Buffer {
  let clean = true;
  for (let i = raw.indexOf(0x0a); i >= 0; i = raw.indexOf(0x0a, i + 1)) {
    if (i === 0 || raw[i - 1] !== 0x0d) {
      clean = false;
      break;
    }
  }
  if (clean) {
    const cr = raw.indexOf(0x0d);
    // A CR not followed by LF is a bare CR.
    let bare = false;
    for (let i = cr; i >= 0; i = raw.indexOf(0x0d, i + 1)) {
      if (raw[i + 1] !== 0x0a) {
        bare = true;
        break;
      }
    }
    if (!bare) return raw;
  }
  const out = Buffer.allocUnsafe(raw.length * 2);
  let length = 0;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i];
    if (byte === 0x0d) {
      out[length++] = 0x0d;
      out[length++] = 0x0a;
      if (raw[i + 1] === 0x0a) i++;
    } else if (byte === 0x0a) {
      out[length++] = 0x0d;
      out[length++] = 0x0a;
    } else {
      out[length++] = byte;
    }
  }
  return Buffer.from(out.subarray(0, length));
}
