// What the MIME parser reads a message through: a Buffer in memory, or a file read through a
// sliding window (a spooled 40 MiB message is parsed with one window's worth of memory). The
// parser only moves forward apart from short look-backs, so one window is enough.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface MessageBytes {
  readonly length: number;
  /** The byte at `offset`, undefined outside the message. */
  byteAt(offset: number): number | undefined;
  /** Like Buffer#indexOf from `from` (never below 0). */
  indexOf(needle: number | Buffer, from: number): number;
  /** True when `needle` is found exactly at `at`. */
  startsWithAt(needle: Buffer, at: number): boolean;
  /** Bytes [start, end) as a latin1 string (one character per byte). */
  latin1(start: number, end: number): string;
  /** How many `byte`s lie in [start, end). */
  countByte(byte: number, start: number, end: number): number;
}

export class BufferBytes implements MessageBytes {
  constructor(private readonly raw: Buffer) {}
  get length(): number {
    return this.raw.length;
  }
  byteAt(offset: number): number | undefined {
    return offset < 0 ? undefined : this.raw[offset];
  }
  indexOf(needle: number | Buffer, from: number): number {
    return this.raw.indexOf(needle, Math.max(from, 0));
  }
  startsWithAt(needle: Buffer, at: number): boolean {
    const end = at + needle.length;
    return at >= 0 && end <= this.raw.length && this.raw.compare(needle, 0, needle.length, at, end) === 0;
  }
  latin1(start: number, end: number): string {
    return this.raw.toString('latin1', start, end);
  }
  countByte(byte: number, start: number, end: number): number {
    let count = 0;
    for (let at = this.raw.indexOf(byte, start); at >= 0 && at < end; at = this.raw.indexOf(byte, at + 1))
      count++;
    return count;
  }
}

export const DEFAULT_WINDOW_BYTES = 1024 * 1024;

/** A file read through one window of `windowBytes`; close() when done. */
export class FileBytes implements MessageBytes {
  readonly length: number;
  private readonly fd: number;
  private window: Buffer;
  /** The filled part of the window. */
  private view: Buffer = Buffer.alloc(0);
  private windowStart = 0;
  private windowLength = 0;

  constructor(path: string, windowBytes = DEFAULT_WINDOW_BYTES) {
    this.fd = openSync(path, 'r');
    this.length = fstatSync(this.fd).size;
    this.window = Buffer.allocUnsafe(windowBytes);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Makes the window hold [offset, offset + need) (or up to the end); returns the index in it. */
  private load(offset: number, need: number): number {
    if (offset >= this.windowStart && offset + need <= this.windowStart + this.windowLength)
      return offset - this.windowStart;
    if (need > this.window.length) this.window = Buffer.allocUnsafe(need);
    let filled = 0;
    const wanted = Math.min(this.window.length, this.length - offset);
    while (filled < wanted) {
      const read = readSync(this.fd, this.window, filled, wanted - filled, offset + filled);
      if (read === 0) break;
      filled += read;
    }
    this.windowStart = offset;
    this.windowLength = filled;
    this.view = this.window.subarray(0, filled);
    return 0;
  }

  byteAt(offset: number): number | undefined {
    if (offset < 0 || offset >= this.length) return undefined;
    return this.window[this.load(offset, 1)];
  }

  indexOf(needle: number | Buffer, from: number): number {
    const needleLength = typeof needle === 'number' ? 1 : needle.length;
    let at = Math.max(from, 0);
    while (at + needleLength <= this.length) {
      const index = this.load(at, needleLength);
      const found = this.view.indexOf(needle, index);
      if (found >= 0) return this.windowStart + found;
      const windowEnd = this.windowStart + this.windowLength;
      if (windowEnd >= this.length) return -1;
      // The next window overlaps by the needle's length less one, for matches across the edge.
      at = Math.max(windowEnd - needleLength + 1, at + 1);
      this.windowLength = 0;
    }
    return -1;
  }

  startsWithAt(needle: Buffer, at: number): boolean {
    if (at < 0 || at + needle.length > this.length) return false;
    const index = this.load(at, needle.length);
    return this.window.compare(needle, 0, needle.length, index, index + needle.length) === 0;
  }

  latin1(start: number, end: number): string {
    const to = Math.min(end, this.length);
    if (to <= start) return '';
    if (to - start > this.window.length) {
      const bytes = Buffer.allocUnsafe(to - start);
      const read = readSync(this.fd, bytes, 0, bytes.length, start);
      return bytes.toString('latin1', 0, read);
    }
    const index = this.load(start, to - start);
    return this.window.toString('latin1', index, index + (to - start));
  }

  countByte(byte: number, start: number, end: number): number {
    let count = 0;
    for (let at = this.indexOf(byte, start); at >= 0 && at < end; at = this.indexOf(byte, at + 1)) count++;
    return count;
  }
}
