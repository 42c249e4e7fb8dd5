// The session's LiteralSpool (parser/reader.ts): APPEND literals are reserved in the shared
// in-flight budget (core/inflight-budget.ts) before the client may send them, and large ones are
// written to a spool file in the blob store as they arrive (store/spool.ts), hashed on the way,
// so a 40 MiB APPEND never sits in memory. The file becomes the blob when it is already mail as
// stored (CRLF line ends, nothing to re-encode); commands/append.ts decides.
import { inflightBudget, type InflightCharge } from '../core/inflight-budget';
import { SpoolWriter, type SpooledBlob } from '../store';
import type { LiteralSink, LiteralSpool, SpooledLiteral } from './parser';

/** Literals of this size or more go to a file (POSTROOM_IMAP_SPOOL_LITERAL_BYTES, default 1 MiB). */
export function spoolThresholdFromEnv(env: Record<string, string | undefined> = process.env): number {
  const raw = env.POSTROOM_IMAP_SPOOL_LITERAL_BYTES;
  if (raw === undefined || raw.trim() === '') return 1024 * 1024;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new Error(`POSTROOM_IMAP_SPOOL_LITERAL_BYTES must be a positive number of bytes, got "${raw}"`);
  return value;
}

/** An APPEND literal on disk: fsynced and placed as a blob, kept by its spool name until used. */
export class SpooledAppendLiteral implements SpooledLiteral {
  constructor(
    readonly size: number,
    /** Null when writing it failed (`error`): the bytes were read and dropped, in step. */
    readonly blob: SpooledBlob | null,
    /** Every line break is CRLF (RFC 5322 2.1): the file is the message as it is to be stored. */
    readonly crlfClean: boolean,
    readonly error: unknown = undefined,
  ) {}
}

/** Whether the bytes seen so far have only CRLF line breaks, across chunk boundaries. */
export class LineEndingCheck {
  clean = true;
  private lastWasCr = false;

  add(chunk: Buffer): void {
    if (!this.clean || chunk.length === 0) return;
    if (this.lastWasCr && chunk[0] !== 0x0a) this.clean = false;
    for (let at = chunk.indexOf(0x0a); at >= 0 && this.clean; at = chunk.indexOf(0x0a, at + 1))
      if (at === 0 ? !this.lastWasCr : chunk[at - 1] !== 0x0d) this.clean = false;
    for (let at = chunk.indexOf(0x0d); at >= 0 && this.clean; at = chunk.indexOf(0x0d, at + 1))
      if (at + 1 < chunk.length && chunk[at + 1] !== 0x0a) this.clean = false;
    this.lastWasCr = chunk[chunk.length - 1] === 0x0d;
  }

  finish(): boolean {
    return this.clean && !this.lastWasCr;
  }
}

export class SessionLiteralSpool implements LiteralSpool {
  private charge: InflightCharge | null = null;
  private files: SpooledAppendLiteral[] = [];

  constructor(readonly thresholdBytes = spoolThresholdFromEnv()) {}

  async reserve(size: number): Promise<void> {
    this.charge ??= inflightBudget().open();
    await this.charge.charge(size);
  }

  async open(size: number): Promise<LiteralSink> {
    const writer = await SpoolWriter.open();
    const lineEnds = new LineEndingCheck();
    // A failed write (a full disk) is reported by APPEND once the literal is read, not thrown
    // mid-literal: the rest of its bytes would be read as commands.
    let writeError: unknown;
    const failed = async (error: unknown) => {
      writeError ??= error;
      await writer.abort();
    };
    return {
      write: async (chunk) => {
        if (writeError !== undefined) return;
        lineEnds.add(chunk);
        await writer.write(chunk).catch(failed);
      },
      finish: async () => {
        const blob = writeError === undefined ? await writer.finishBlob().catch(failed) : undefined;
        const literal = blob
          ? new SpooledAppendLiteral(size, blob, lineEnds.finish())
          : new SpooledAppendLiteral(size, null, false, writeError);
        this.files.push(literal);
        return literal;
      },
      abort: () => writer.abort(),
    };
  }

  async release(): Promise<void> {
    this.charge?.release();
    this.charge = null;
    const files = this.files;
    this.files = [];
    for (const file of files) await file.blob?.discard();
  }
}
