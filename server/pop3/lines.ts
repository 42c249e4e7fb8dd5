// Splits a POP3 client's byte stream into command lines. RFC 2449 section 4 caps a command at 255
// octets; we allow more (SASL responses are longer) but never buffer without bound: an over-long
// line is reported once and skipped up to its line end.
export const MAX_LINE_BYTES = 8192;

export type LineEvent = { kind: 'line'; line: string } | { kind: 'too-long' };

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private discarding = false;

  constructor(private readonly maxBytes = MAX_LINE_BYTES) {}

  /** Feeds received bytes; returns the complete lines (without CRLF) and over-long-line events. */
  push(chunk: Buffer): LineEvent[] {
    const events: LineEvent[] = [];
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(0x0a, start);
      const end = lf < 0 ? chunk.length : lf;
      if (!this.discarding) {
        this.pending.push(chunk.subarray(start, end));
        this.pendingBytes += end - start;
        if (this.pendingBytes > this.maxBytes) {
          this.discarding = true;
          this.pending = [];
          this.pendingBytes = 0;
          events.push({ kind: 'too-long' });
        }
      }
      if (lf < 0) break;
      if (!this.discarding) {
        const bytes = Buffer.concat(this.pending);
        const trimmed = bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, -1) : bytes;
        events.push({ kind: 'line', line: trimmed.toString('utf8') });
      }
      this.discarding = false;
      this.pending = [];
      this.pendingBytes = 0;
      start = lf + 1;
    }
    return events;
  }

  /** A line has begun and not yet ended (the command-line deadline runs). */
  get inLine(): boolean {
    return this.pending.length > 0 || this.discarding;
  }

  /** Forgets anything buffered (after STLS: plaintext sent ahead must not be obeyed, RFC 2595 §8). */
  reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.discarding = false;
  }
}
