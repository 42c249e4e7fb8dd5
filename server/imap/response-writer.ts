// A large response (FETCH of thousands of messages) written straight into byte blocks: strings are
// encoded into the current block as they come, small buffers copied, large ones (message bodies)
// passed through untouched. Building one big string first and encoding it costs about four times
// as much, and leaves megabytes of garbage.
import type { ImapSession } from './session';

const BLOCK_BYTES = 64 * 1024;
/** Buffers at least this large are queued as they are rather than copied. */
const COPY_LIMIT = 4 * 1024;

export class ResponseWriter {
  private parts: Buffer[] = [];
  private block = Buffer.allocUnsafe(BLOCK_BYTES);
  private used = 0;
  private queued = 0;

  constructor(
    private readonly session: ImapSession,
    private readonly flushBytes: number,
  ) {}

  private room(bytes: number): void {
    if (this.used + bytes <= this.block.length) return;
    this.endBlock();
    this.block = Buffer.allocUnsafe(Math.max(BLOCK_BYTES, bytes));
  }

  private endBlock(): void {
    if (this.used === 0) return;
    this.parts.push(this.block.subarray(0, this.used));
    this.queued += this.used;
    this.block = this.block.subarray(this.used);
    this.used = 0;
  }

  text(value: string): void {
    this.room(value.length * 3); // the most UTF-8 bytes one UTF-16 unit can take
    this.used += this.block.write(value, this.used, 'utf8');
  }

  bytes(value: Buffer): void {
    if (value.length >= COPY_LIMIT) {
      this.endBlock();
      this.parts.push(value);
      this.queued += value.length;
      return;
    }
    this.room(value.length);
    this.used += value.copy(this.block, this.used);
  }

  /** True when enough is held that the caller should `flush` before adding more. */
  get full(): boolean {
    return this.queued + this.used >= this.flushBytes;
  }

  /** Hands what is held to the socket, waiting while its buffer is full. */
  async flush(): Promise<void> {
    this.endBlock();
    const parts = this.parts;
    this.parts = [];
    this.queued = 0;
    if (parts.length > 0) await this.session.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }
}
