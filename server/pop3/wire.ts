// POP3 multi-line responses (RFC 1939 section 3): CRLF line ends, lines starting with "." get a
// second ".", and a line holding only "." ends the response.
const CRLF = Buffer.from('\r\n');
const END = Buffer.from('.\r\n');

/** True when every line ends in CRLF and none starts with "." (most stored mail): sent as is. */
function alreadyWireSafe(content: Buffer): boolean {
  if (content[0] === 0x2e) return false;
  for (let lf = content.indexOf(0x0a); lf >= 0; lf = content.indexOf(0x0a, lf + 1)) {
    if (lf === 0 || content[lf - 1] !== 0x0d || content[lf + 1] === 0x2e) return false;
  }
  return true;
}

/** The message (or part of it) as a multi-line response body, terminator included. */
export function multiLineBody(content: Buffer, statusLine?: string): Buffer {
  const head = statusLine === undefined ? [] : [Buffer.from(`${statusLine}\r\n`)];
  if (alreadyWireSafe(content)) {
    const ending = content.length === 0 || content[content.length - 1] === 0x0a ? [] : [CRLF];
    return Buffer.concat([...head, content, ...ending, END]);
  }
  const chunks: Buffer[] = [...head];
  let start = 0;
  while (start < content.length) {
    let lf = content.indexOf(0x0a, start);
    const lineEnd = lf < 0 ? content.length : lf;
    const textEnd = lineEnd > start && content[lineEnd - 1] === 0x0d ? lineEnd - 1 : lineEnd;
    if (content[start] === 0x2e) chunks.push(Buffer.from('.'));
    chunks.push(content.subarray(start, textEnd), CRLF);
    if (lf < 0) lf = content.length;
    start = lf + 1;
  }
  chunks.push(END);
  return Buffer.concat(chunks);
}

/** TOP msg n (RFC 1939 section 7): the header, the blank line, then the first n body lines. */
export function topOfMessage(content: Buffer, headerSize: number, lines: number): Buffer {
  let end = Math.min(headerSize, content.length);
  for (let i = 0; i < lines && end < content.length; i++) {
    const lf = content.indexOf(0x0a, end);
    end = lf < 0 ? content.length : lf + 1;
  }
  return content.subarray(0, end);
}

/** Multi-line listing lines ("1 120") as one response body. */
export function listingBody(lines: string[]): Buffer {
  return Buffer.from(lines.map((line) => `${line}\r\n`).join('') + '.\r\n');
}
