// A queued message as a remote transaction sends it: a DKIM signature (when the From domain has a
// key) before the stored content, which is read from its blob file in chunks each time a host is
// tried, never into memory whole. SIZE and BODY=8BITMIME are known before MAIL FROM.
import { streamBlob } from '../store';
import { dkimSignature, headerFromDomain } from './dkim';

export interface OutboundMessage {
  /** Bytes as sent (before dot-stuffing): signature and content. */
  size: number;
  /** Any byte above 0x7f (RFC 6152 BODY=8BITMIME). */
  eightBit: boolean;
  /** The message from its first byte, in chunks; a new pass each call. */
  chunks(): AsyncIterable<Buffer>;
}

/** The first bytes of a stored message: enough for its header block (From, DSN headers). */
export const HEAD_BYTES = 256 * 1024;

/** A message already in memory (tests, small built messages). */
export function outboundFromBuffer(message: Buffer): OutboundMessage {
  return {
    size: message.length,
    eightBit: message.some((byte) => byte > 0x7f),
    async *chunks() {
      yield message;
    },
  };
}

/** Reads up to HEAD_BYTES from the start of blob `hash`. */
export async function readBlobHead(hash: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of streamBlob(hash, { start: 0, end: HEAD_BYTES - 1 })) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Blob `hash` (`size` bytes) signed for its From domain, streamed from its file on every pass. */
export async function outboundFromBlob(hash: string, size: number): Promise<OutboundMessage> {
  // From its file (256 KiB reads) or its database chunks (1 MiB), see store/blob-store.ts.
  const stream = () => streamBlob(hash);
  const signature = await dkimSignature(stream, headerFromDomain(await readBlobHead(hash)));
  let eightBit = false;
  for await (const chunk of stream()) if ((chunk as Buffer).some((byte) => byte > 0x7f)) eightBit = true;
  return {
    size: signature.length + size,
    eightBit,
    async *chunks() {
      if (signature.length) yield signature;
      yield* stream() as AsyncIterable<Buffer>;
    },
  };
}
