// DATA: read the message (size and line-length limits), add the trace headers, check SPF, DKIM,
// DMARC and ARC for mail from the outside, and hand it to delivery/. The 250 goes out only after
// delivery has committed the message (store) or queued it (queue), both fsynced.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { inflightBudget, type InflightCharge } from '../core/inflight-budget';
import { SpoolWriter, type SpoolFile } from '../store';
import { config } from '../core/config';
import { isOutOfSpace, storageLow } from '../core/disk-space';
import { checkInboundAuthentication } from '../policy/mailauth';
import { SmtpReplyError, reply, type SmtpReply } from '../policy/replies';
import { deliverInbound } from '../delivery';
import { receivedHeader, tlsOf } from './received';
import { type MessageSource, scanMessage } from './scan';
import { headerFacts, stripOwnAuthenticationResults } from './headers';
import { stateOf, userOf, logEvent, nextTransaction } from './session';
import type { SmtpSettings } from './settings';
import { INSUFFICIENT_STORAGE } from './storage-guard';

/** The header is kept in memory up to this size (trace and loop checks); the rest goes to disk. */
const HEAD_LIMIT = 1024 * 1024;
/**
 * A message up to this size stays in memory (it is charged to the in-flight budget all the same)
 * and never becomes a spool file of its own: most mail is this small, and the file's open, writes,
 * close, read back and removal were a good share of a delivery's work. Larger ones spill to disk.
 */
const IN_MEMORY_LIMIT = 128 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');
const BARE_HEADER_END = Buffer.from('\n\n');

interface ReceivedMessage {
  /** Everything received, on disk (up to the size limit). */
  file: SpoolFile;
  /** The header through its blank line (or the first HEAD_LIMIT bytes when no end was seen). */
  head: Buffer;
  headComplete: boolean;
  longLine: boolean;
  /** Writing the spool failed (a full disk above all): the rest was read and dropped. */
  writeError?: unknown;
}

/** Collects the header block of a message as it streams by, at most HEAD_LIMIT bytes. */
class HeadCollector {
  private bytes = Buffer.alloc(0);
  private length = 0;
  private end = -1;

  get done(): boolean {
    return this.end >= 0 || this.length >= HEAD_LIMIT;
  }

  add(chunk: Buffer): void {
    if (this.done) return;
    const take = chunk.subarray(0, HEAD_LIMIT - this.length);
    if (this.length + take.length > this.bytes.length) {
      const grown = Buffer.allocUnsafe(
        Math.min(HEAD_LIMIT, Math.max(16 * 1024, 2 * (this.length + take.length))),
      );
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    const searchFrom = Math.max(0, this.length - 3);
    take.copy(this.bytes, this.length);
    this.length += take.length;
    const found = this.bytes.subarray(0, this.length).indexOf(HEADER_END, searchFrom);
    if (found >= 0) this.end = found + HEADER_END.length;
  }

  /** The header as smtp/headers.ts would split it: CRLF CRLF first, else LF LF. */
  result(): { head: Buffer; complete: boolean } {
    const kept = this.bytes.subarray(0, this.length);
    if (this.end >= 0) return { head: Buffer.from(kept.subarray(0, this.end)), complete: true };
    const bare = kept.indexOf(BARE_HEADER_END);
    if (bare >= 0) return { head: Buffer.from(kept.subarray(0, bare + 2)), complete: true };
    return { head: Buffer.from(kept), complete: this.length < HEAD_LIMIT };
  }
}

/**
 * Receives the message into a spool file as it arrives (never whole in memory), charging the
 * in-flight budget before each chunk is taken in (a full budget stops the reading: TCP
 * backpressure). Past the size limit bytes are read and dropped. A connection that drops mid-DATA
 * rejects, and the spool file is removed.
 */
async function spoolMessage(
  stream: SMTPServerDataStream,
  settings: SmtpSettings,
  charge: InflightCharge,
): Promise<ReceivedMessage> {
  let writer: SpoolWriter | null = null;
  let held: Buffer[] = [];
  const head = new HeadCollector();
  let kept = 0;
  let lineLength = 0;
  let longLine = false;
  let writeError: unknown;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (!longLine) {
        // Track the current line's length across chunk boundaries.
        let start = 0;
        for (let index = chunk.indexOf(10); index >= 0; index = chunk.indexOf(10, start)) {
          if (lineLength + index - start > settings.maxLineLength + 1) longLine = true;
          lineLength = 0;
          start = index + 1;
        }
        lineLength += chunk.length - start;
        if (lineLength > settings.maxLineLength + 1) longLine = true;
      }
      if (kept > settings.maxMessageBytes || writeError !== undefined) continue;
      await charge.charge(chunk.length);
      head.add(chunk);
      kept += chunk.length;
      if (!writer && kept <= IN_MEMORY_LIMIT) {
        held.push(chunk);
        continue;
      }
      // A failed write is answered after the client has sent the whole message (in step).
      const bytes = held.length > 0 ? Buffer.concat([...held, chunk]) : chunk;
      held = [];
      try {
        writer ??= await SpoolWriter.open();
        await writer.write(bytes);
      } catch (error) {
        writeError = error;
      }
    }
  } catch (error) {
    await writer?.abort();
    throw error;
  }
  const { head: headBytes, complete } = head.result();
  if (writeError !== undefined) {
    await writer?.abort();
    const file = { path: writer?.path ?? '', size: 0, remove: async () => {} };
    return { file, head: headBytes, headComplete: complete, longLine, writeError };
  }
  if (!writer) {
    const bytes = held.length === 1 ? held[0]! : Buffer.concat(held);
    const file = { path: '', size: bytes.length, bytes, remove: async () => {} };
    return { file, head: headBytes, headComplete: complete, longLine };
  }
  const file = await writer.finishFile();
  return { file, head: headBytes, headComplete: complete, longLine };
}

/** The received message as mailauth and the scanners read it: our trace, then what came. */
function messageStream(prefix: string, head: Buffer, file: SpoolFile, bodyStart: number): Readable {
  return Readable.from(
    (async function* () {
      yield Buffer.from(prefix);
      yield head;
      if (file.bytes) yield file.bytes.subarray(bodyStart);
      else if (file.size > bodyStart)
        yield* createReadStream(file.path, { start: bodyStart, highWaterMark: 256 * 1024 });
    })(),
  );
}

/** The same as a scanner reads it: its length, and a new stream for each reader. */
function messageSource(prefix: string, head: Buffer, file: SpoolFile, bodyStart: number): MessageSource {
  return {
    size: Buffer.byteLength(prefix) + head.length + Math.max(0, file.size - bodyStart),
    open: () => messageStream(prefix, head, file, bodyStart),
  };
}

export async function onData(
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
  settings: SmtpSettings,
): Promise<string> {
  // The message's bytes count against the in-flight budget until it is stored or refused.
  const charge = inflightBudget().open();
  let received: ReceivedMessage | null = null;
  try {
    received = await spoolMessage(stream, settings, charge);
    return await handleMessage(received, stream, session, settings);
  } finally {
    charge.release();
    await received?.file.remove().catch(() => {});
  }
}

async function handleMessage(
  spooled: ReceivedMessage,
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
  settings: SmtpSettings,
): Promise<string> {
  const state = stateOf(session);
  const { file, longLine } = spooled;
  let head = spooled.head;
  const finish = (outcome: SmtpReply, result: string, detail: Record<string, unknown> = {}): string => {
    logEvent(state, 'data', result, {
      user: userOf(session)?.address,
      detail: { size: stream.byteLength, reply: `${outcome.code} ${outcome.status}`, ...detail },
    });
    nextTransaction(state);
    if (outcome.code >= 400) throw new SmtpReplyError(outcome);
    return `${outcome.status} ${outcome.text}`;
  };
  if (stream.sizeExceeded)
    return finish(reply(552, '5.3.4', 'Message size exceeds fixed maximum message size'), 'too_big');
  if (longLine)
    return finish(
      reply(
        550,
        '5.6.0',
        `Message has a line longer than ${settings.maxLineLength} characters (RFC 5322 2.1.1)`,
      ),
      'long_line',
    );
  if (spooled.writeError !== undefined) {
    if (isOutOfSpace(spooled.writeError)) return finish(INSUFFICIENT_STORAGE, 'no_storage');
    throw spooled.writeError;
  }
  // Space may have run low since MAIL FROM: refuse before anything is stored.
  if (await storageLow()) return finish(INSUFFICIENT_STORAGE, 'no_storage');
  const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
  // Mail loops (RFC 5321 6.3): too many hops, or a copy that has already been delivered here.
  const facts = headerFacts(head);
  const localTargets = state.recipients.flatMap(
    (r) => r.decision.expansion?.mailboxes.map((m) => m.address) ?? [],
  );
  if (facts.hops > 50 || localTargets.some((address) => facts.deliveredTo.includes(address))) {
    return finish(
      reply(554, '5.4.6', 'Mail loop detected (too many hops or already delivered here)'),
      'loop',
      { hops: facts.hops },
    );
  }
  const discardedBy = [state.connect, state.sender].find((decision) => decision?.verdict === 'discard');
  const accepted = state.recipients.filter((recipient) => recipient.decision.verdict === 'accept');
  if (discardedBy || accepted.length === 0) {
    // DISCARD: the client hears 250 and the message is dropped, on purpose and on record.
    return finish(reply(250, '2.0.0', `Ok: queued as ${state.queueId}`), 'discarded', {
      rule: discardedBy?.rule?.id ?? state.recipients[0]?.decision.rule?.id ?? null,
    });
  }
  const user = userOf(session);
  const { hostname } = config();
  const received = receivedHeader({
    hostname,
    queueId: state.queueId,
    helo: session.hostNameAppearsAs,
    clientIp: state.clientIp,
    clientHostname: state.clientHostname,
    protocol: session.transmissionType,
    tls: tlsOf(session),
    user: user?.address ?? null,
    recipient: session.envelope.rcptTo.length === 1 ? session.envelope.rcptTo[0]!.address : null,
  });
  let trace = received;
  let junk = false;
  // Only our own checks may speak for this host (RFC 8601 5). The header is in memory whole
  // unless it is over HEAD_LIMIT, which no real mail is: such a header is left as it came.
  const headLength = head.length;
  if (!user && spooled.headComplete) head = stripOwnAuthenticationResults(head, hostname);
  if (!user && !state.connect.relayClient && settings.checkAuthentication) {
    const auth = await checkInboundAuthentication(messageStream(received, head, file, headLength), {
      ip: state.clientIp,
      helo: session.hostNameAppearsAs,
      sender,
      mta: hostname,
    }).catch(() => null);
    if (auth) {
      trace = auth.headers + received;
      logEvent(state, 'mailauth', auth.dmarc, {
        detail: { spf: auth.spf, dkim: auth.dkim, dmarc: auth.dmarc, arc: auth.arc },
      });
      if (auth.dmarcReject && settings.honourDmarcReject)
        return finish(
          reply(550, '5.7.1', 'Message rejected due to DMARC policy of the sender domain'),
          'dmarc_reject',
        );
      junk = auth.dmarcReject || auth.dmarcQuarantine;
    }
  }
  if (!user && (settings.clamd || settings.rspamdUrl)) {
    // Streamed from the spool file to each scanner, never read into memory whole.
    const scan = await scanMessage(
      messageSource(trace, head, file, headLength),
      {
        ip: state.clientIp,
        helo: session.hostNameAppearsAs,
        sender,
        recipients: accepted.map((r) => r.address),
        queueId: state.queueId,
      },
      settings,
    );
    logEvent(state, 'scan', scan.refuse ? `${scan.refuse.code}` : scan.junk ? 'junk' : 'clean', {
      detail: scan.detail,
    });
    if (scan.refuse) return finish(scan.refuse, 'scan_refused', scan.detail);
    trace = scan.headers + trace;
    junk ||= scan.junk;
  }
  let outcome: Awaited<ReturnType<typeof deliverInbound>>;
  try {
    outcome = await deliverInbound({
      queueId: state.queueId,
      sender,
      recipients: accepted,
      trace,
      body: { head, file, bodyStart: headLength },
      junk,
      clientIp: state.clientIp,
      user: user?.address,
    });
  } catch (error) {
    // The disk filled up before the watermark said so: still a temporary, well-named refusal.
    if (isOutOfSpace(error)) return finish(INSUFFICIENT_STORAGE, 'no_storage');
    throw error;
  }
  return finish(outcome.reply, outcome.reply.code === 250 ? 'accepted' : 'refused', {
    delivered: outcome.delivered.length,
    queued: outcome.queued.length,
  });
}
