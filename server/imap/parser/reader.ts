// A pull-style reader over a socket: the session asks for the next command (or, during
// AUTHENTICATE and IDLE, the next raw line). Literals are sized before a byte of them is read:
// a synchronising literal over the limit is refused without a continuation (RFC 9051 section 7.5),
// a LITERAL+ one over the limit is read and thrown away (RFC 7888 section 4) as long as that stays
// within what an APPEND may send; beyond that the connection cannot be kept in step and is closed.
import { literalAnnouncement, extractTag } from './tokens';
import type { ParserLimits } from './limits';

export interface RawCommand {
  tag: string | null;
  segments: Buffer[];
  literals: Buffer[];
  /** APPEND literals received to a file (by literal index); their entry in `literals` is empty. */
  spooled?: Map<number, SpooledLiteral>;
}

/** A large APPEND literal, received to a file instead of into memory (the session's LiteralSpool). */
export interface SpooledLiteral {
  /** Bytes the client sent (the announced size). */
  readonly size: number;
}

export interface LiteralSink {
  write(chunk: Buffer): Promise<void>;
  finish(): Promise<SpooledLiteral>;
  abort(): Promise<void>;
}

/**
 * Where APPEND literals go: every one is reserved in the in-flight budget before it is asked for
 * (a synchronising literal's "+" waits for room), and those of `thresholdBytes` or more are
 * written to a spool file as they arrive. release() ends a command's hold on both.
 */
export interface LiteralSpool {
  thresholdBytes: number;
  reserve(size: number): Promise<void>;
  open(size: number): Promise<LiteralSink>;
  release(): Promise<void>;
}

/**
 * A command that could not be read whole; the session answers BAD (or NO [TOOBIG]) and goes on,
 * or, with `closeConnection`, says BYE and closes: the client is sending bytes (a LITERAL+ too big
 * to skip) that would otherwise be read as commands.
 */
export class CommandTooBigError extends Error {
  constructor(
    readonly tag: string | null,
    message: string,
    readonly tooBig: boolean,
    readonly closeConnection = false,
  ) {
    super(message);
    this.name = 'CommandTooBigError';
  }
}

export interface ByteSource {
  pause(): void;
  resume(): void;
  /** Sends "+ ..." so the client sends a synchronising literal (when not given to the reader). */
  askForLiteral?(): void;
}

const HIGH_WATER = 256 * 1024;
const LF = 0x0a;
/** What an idle reader holds: not a zero-length view that would keep the last socket chunk alive. */
const EMPTY = Buffer.alloc(0);

export class CommandReader {
  private buffer: Buffer = EMPTY;
  private scanned = 0;
  private ended = false;
  private paused = false;
  private wake: ((more: boolean) => void) | null = null;

  constructor(
    private readonly source: ByteSource,
    private readonly limits: ParserLimits,
    /** Sends "+ ..." so the client sends a synchronising literal; null: the source's askForLiteral. */
    private readonly askForLiteral: (() => void) | null,
    private readonly spool: LiteralSpool | null = null,
  ) {}

  /** The last command is done: its reserved budget and unused spool files are given back. */
  async releaseLiterals(): Promise<void> {
    await this.spool?.release();
  }

  /** Reads `size` bytes into the sink as they come; null (and the sink aborted) at end of input. */
  private async readIntoSink(size: number, sink: LiteralSink): Promise<SpooledLiteral | null> {
    let left = size;
    try {
      while (left > 0) {
        if (this.buffer.length === 0 && !(await this.waitForData())) {
          await sink.abort();
          return null;
        }
        const chunk = this.take(Math.min(left, this.buffer.length));
        left -= chunk.length;
        await sink.write(chunk);
      }
      return await sink.finish();
    } catch (error) {
      await sink.abort();
      throw error;
    }
  }

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    if (!this.paused && this.buffer.length > HIGH_WATER) {
      this.paused = true;
      this.source.pause();
    }
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.(true);
  }

  /** Not an async function: one suspended frame less per idle connection. */
  private waitForData(): Promise<boolean> {
    if (this.ended) return Promise.resolve(false);
    if (this.paused) {
      this.paused = false;
      this.source.resume();
    }
    return new Promise<boolean>((resolve) => (this.wake = resolve));
  }

  private take(length: number): Buffer {
    const out = this.buffer.subarray(0, length);
    this.buffer = length === this.buffer.length ? EMPTY : this.buffer.subarray(length);
    this.scanned = 0;
    if (this.paused && this.buffer.length < HIGH_WATER / 2) {
      this.paused = false;
      this.source.resume();
    }
    return out;
  }

  /**
   * The next line without its CRLF, or null at end of input. A line longer than the limit is
   * discarded through its end and reported as `{ tooLong: head }`.
   */
  async readLine(maxBytes = this.limits.maxLineBytes): Promise<Buffer | { tooLong: Buffer } | null> {
    let discarding: Buffer | null = null;
    for (;;) {
      const at = this.buffer.indexOf(LF, this.scanned);
      if (at >= 0) {
        const line = this.take(at + 1);
        if (discarding) return { tooLong: discarding };
        const end = line.length >= 2 && line[line.length - 2] === 0x0d ? line.length - 2 : line.length - 1;
        if (end > maxBytes) return { tooLong: Buffer.from(line.subarray(0, 128)) };
        // Copy so a long-lived token never pins the whole socket chunk.
        return Buffer.from(line.subarray(0, end));
      }
      this.scanned = this.buffer.length;
      if (this.buffer.length > maxBytes + 2) {
        discarding ??= Buffer.from(this.buffer.subarray(0, 128));
        this.take(this.buffer.length);
      }
      if (!(await this.waitForData())) return null;
    }
  }

  /** Reads exactly `size` bytes into one buffer (null at end of input). */
  async readBytes(size: number): Promise<Buffer | null> {
    const out = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      if (this.buffer.length === 0 && !(await this.waitForData())) return null;
      const chunk = this.take(Math.min(size - filled, this.buffer.length));
      chunk.copy(out, filled);
      filled += chunk.length;
    }
    return out;
  }

  /** Throws away `size` bytes without keeping them. */
  async skipBytes(size: number): Promise<boolean> {
    let left = size;
    while (left > 0) {
      if (this.buffer.length === 0 && !(await this.waitForData())) return false;
      left -= this.take(Math.min(left, this.buffer.length)).length;
    }
    return true;
  }

  /**
   * After a refused LITERAL+: skip its bytes and the rest of the command (further lines and their
   * LITERAL+ data), at most one APPEND's worth in all. False when that is not possible and the
   * connection must close.
   */
  private async discardRefusedLiteral(size: number): Promise<boolean> {
    let budget = this.limits.maxAppendLiteral;
    let next = size;
    for (;;) {
      if (next > budget) return false;
      budget -= next;
      if (!(await this.skipBytes(next))) return false;
      const line = await this.readLine();
      if (line === null) return false;
      if (!Buffer.isBuffer(line)) return true; // discarded through its end
      const marker = literalAnnouncement(line);
      // No literal: the command ended. A synchronising one: the client waits for a "+" that never comes.
      if (!marker?.nonSync) return true;
      next = marker.size;
    }
  }

  /** The next whole command, or null at end of input. Throws CommandTooBigError for refused ones. */
  async readCommand(): Promise<RawCommand | null> {
    await this.releaseLiterals();
    const first = await this.readLine();
    if (first === null) return null;
    if (!Buffer.isBuffer(first))
      throw new CommandTooBigError(extractTag(first.tooLong), 'command line too long', false);
    const tag = extractTag(first);
    const isAppend = /^\S+ (UID )?APPEND /i.test(first.subarray(0, 64).toString('latin1'));
    const literalLimit = isAppend ? this.limits.maxAppendLiteral : this.limits.maxOtherLiteral;
    const segments: Buffer[] = [first];
    const literals: Buffer[] = [];
    const spooled = new Map<number, SpooledLiteral>();
    let line: Buffer = first;
    for (;;) {
      const marker = literalAnnouncement(line);
      if (!marker)
        return spooled.size > 0 ? { tag, segments, literals, spooled } : { tag, segments, literals };
      if (marker.size > literalLimit || literals.length >= this.limits.maxLiterals) {
        const tooBig = marker.size > literalLimit;
        const inStep = !marker.nonSync || (await this.discardRefusedLiteral(marker.size));
        throw new CommandTooBigError(
          tag,
          tooBig ? `literal is over the limit of ${literalLimit} bytes` : 'too many literals',
          tooBig,
          !inStep,
        );
      }
      // Room in the in-flight budget first: a LITERAL+ waits unread (the socket is paused).
      if (isAppend && this.spool) await this.spool.reserve(marker.size);
      if (!marker.nonSync) {
        if (this.askForLiteral) this.askForLiteral();
        else this.source.askForLiteral?.();
      }
      // CATENATE's TEXT parts too (commands/catenate.ts builds the message from their files).
      if (isAppend && this.spool && marker.size >= this.spool.thresholdBytes) {
        const file = await this.readIntoSink(marker.size, await this.spool.open(marker.size));
        if (file === null) return null;
        spooled.set(literals.length, file);
        literals.push(Buffer.alloc(0));
      } else {
        const literal = await this.readBytes(marker.size);
        if (literal === null) return null;
        literals.push(literal);
      }
      const next = await this.readLine();
      if (next === null) return null;
      if (!Buffer.isBuffer(next)) throw new CommandTooBigError(tag, 'command line too long', false);
      segments.push(next);
      line = next;
    }
  }
}
