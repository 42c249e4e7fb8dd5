// The delivered message as Sieve and the side messages see it, in memory or in a spooled blob:
// a stream for the interpreter, its header block, its bytes for the queue, and an edited copy.
import { createReadStream, promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import { SpoolWriter, type SpooledBlob } from '../../store';
import type { HeaderEdit } from '../../sieve';
import { editHeaderBlock } from './header-edits';

export type Content = Buffer | SpooledBlob;

export function contentSize(content: Content): number {
  return Buffer.isBuffer(content) ? content.length : content.size;
}

export function openContent(content: Content): NodeJS.ReadableStream {
  return Buffer.isBuffer(content) ? Readable.from([content]) : createReadStream(content.path);
}

/** The first `headerSize` bytes (the header block as parsed) as a latin1 string. */
export async function headerBlock(content: Content, headerSize: number): Promise<string> {
  if (Buffer.isBuffer(content)) return content.subarray(0, headerSize).toString('latin1');
  const handle = await fs.open(content.path, 'r');
  try {
    const head = Buffer.alloc(headerSize);
    const { bytesRead } = await handle.read(head, 0, headerSize, 0);
    return head.subarray(0, bytesRead).toString('latin1');
  } finally {
    await handle.close();
  }
}

/** The whole message in memory: for the outbound queue, which keeps content as a Buffer. */
export function contentBytes(content: Content): Promise<Buffer> {
  return Buffer.isBuffer(content) ? Promise.resolve(content) : content.read();
}

/** A copy with the header edited; a spooled message stays on disk (a new blob, fsynced). */
export async function editedContent(
  content: Content,
  headerSize: number,
  edits: HeaderEdit[],
): Promise<Content> {
  const header = Buffer.from(editHeaderBlock(await headerBlock(content, headerSize), edits), 'latin1');
  if (Buffer.isBuffer(content)) return Buffer.concat([header, content.subarray(headerSize)]);
  const writer = await SpoolWriter.open();
  try {
    await writer.write(header);
    await writer.copyFrom(content.path, headerSize, content.size);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return writer.finishBlob();
}
