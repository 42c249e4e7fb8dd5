// Reads a message for the interpreter: the whole header section and, only when a body test needs
// it, the body up to a byte cap. Never more than that is held in memory; the stream is closed early.
import type { HeaderField } from './headers';
import { parseHeaderBlock } from './headers';

/** Header sections past this size are cut (the tests see the fields read so far). */
export const MAX_HEADER_BYTES = 1024 * 1024;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface LoadedMessage {
  fields: HeaderField[];
  /** The body up to the cap, or null when it was not asked for or the message has none. */
  body: Buffer | null;
}

/** Index just past the blank line that ends the header, or -1. */
function headerEnd(buffer: Buffer, from: number): { end: number; bodyStart: number } | null {
  let at = buffer.indexOf(0x0a, Math.max(0, from));
  while (at >= 0) {
    if (buffer[at + 1] === 0x0a) return { end: at + 1, bodyStart: at + 2 };
    if (buffer[at + 1] === 0x0d && buffer[at + 2] === 0x0a) return { end: at + 1, bodyStart: at + 3 };
    at = buffer.indexOf(0x0a, at + 1);
  }
  return null;
}

export async function loadMessage(
  stream: NodeJS.ReadableStream,
  wantBody: boolean,
  maxBodyBytes: number,
): Promise<LoadedMessage> {
  const chunks: Buffer[] = [];
  let length = 0;
  let split: { end: number; bodyStart: number } | null = null;
  let combined = Buffer.alloc(0);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
      chunks.push(buffer);
      length += buffer.length;
      if (!split) {
        combined = Buffer.concat(chunks, length);
        chunks.length = 0;
        chunks.push(combined);
        // A message starting with its blank line has an empty header.
        if (combined[0] === 0x0a) split = { end: 0, bodyStart: 1 };
        else if (combined[0] === 0x0d && combined[1] === 0x0a) split = { end: 0, bodyStart: 2 };
        else split = headerEnd(combined, Math.max(0, length - buffer.length - 3));
        if (!split && length >= MAX_HEADER_BYTES) break;
      }
      if (split && (!wantBody || length - split.bodyStart >= maxBodyBytes)) break;
    }
  } finally {
    const closable = stream as NodeJS.ReadableStream & { destroy?: () => void };
    closable.destroy?.();
  }
  const all = Buffer.concat(chunks, length);
  const end = split ? split.end : Math.min(all.length, MAX_HEADER_BYTES);
  const fields = parseHeaderBlock(decodeHeaderBytes(all.subarray(0, end)));
  // RFC 5173 5: a header with no blank line after it means no body at all (null), not an empty one.
  const body = wantBody && split ? all.subarray(split.bodyStart, split.bodyStart + maxBodyBytes) : null;
  return { fields, body };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Header bytes as text: UTF-8 when valid (RFC 6532), otherwise latin1 so nothing is lost. */
export function decodeHeaderBytes(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}
