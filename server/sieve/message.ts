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

export function loadMessage(
  stream: NodeJS.ReadableStream,
  wantBody: boolean,
  maxBodyBytes: number,
): Promise<LoadedMessage> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let split: { end: number; bodyStart: number } | null = null;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      stream.removeListener('data', onData);
      stream.removeListener('end', finish);
      stream.removeListener('error', onError);
      // Stop reading a big spool file early; a later error from it has nobody left to tell.
      stream.on('error', () => {});
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      resolve(
        assemble(
          chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length),
          split,
          wantBody,
          maxBodyBytes,
        ),
      );
    };
    const onError = (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
      chunks.push(buffer);
      length += buffer.length;
      if (!split) {
        const combined = chunks.length > 1 ? Buffer.concat(chunks, length) : buffer;
        chunks.length = 0;
        chunks.push(combined);
        split = findSplit(combined, Math.max(0, length - buffer.length - 3));
        if (!split && length >= MAX_HEADER_BYTES) return finish();
      }
      if (split && (!wantBody || length - split.bodyStart >= maxBodyBytes)) finish();
    };
    stream.on('data', onData);
    stream.once('end', finish);
    stream.once('error', onError);
  });
}

/** Where the header ends and the body starts; a message starting with its blank line has no header. */
function findSplit(buffer: Buffer, from: number): { end: number; bodyStart: number } | null {
  if (buffer[0] === 0x0a) return { end: 0, bodyStart: 1 };
  if (buffer[0] === 0x0d && buffer[1] === 0x0a) return { end: 0, bodyStart: 2 };
  return headerEnd(buffer, from);
}

function assemble(
  all: Buffer,
  split: { end: number; bodyStart: number } | null,
  wantBody: boolean,
  maxBodyBytes: number,
): LoadedMessage {
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
