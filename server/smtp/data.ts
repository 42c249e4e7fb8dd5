// DATA: read the message (size and line-length limits), add the trace headers, check SPF, DKIM,
// DMARC and ARC for mail from the outside, and hand it to delivery/. The 250 goes out only after
// delivery has committed the message (store) or queued it (queue), both fsynced.
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { config } from '../core/config';
import { isOutOfSpace, storageLow } from '../core/disk-space';
import { checkInboundAuthentication } from '../policy/mailauth';
import { SmtpReplyError, reply, type SmtpReply } from '../policy/replies';
import { deliverInbound } from '../delivery';
import { receivedHeader, tlsOf } from './received';
import { scanMessage } from './scan';
import { headerFacts, stripOwnAuthenticationResults } from './headers';
import { stateOf, userOf, logEvent, nextTransaction } from './session';
import type { SmtpSettings } from './settings';
import { INSUFFICIENT_STORAGE } from './storage-guard';

/** Reads the whole message; stops keeping bytes (but keeps reading) past the size limit. */
function readMessage(
  stream: SMTPServerDataStream,
  settings: SmtpSettings,
): Promise<{ body: Buffer; longLine: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let lineLength = 0;
    let longLine = false;
    stream.on('data', (chunk: Buffer) => {
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
      if (kept <= settings.maxMessageBytes) {
        chunks.push(chunk);
        kept += chunk.length;
      }
    });
    stream.on('end', () => resolve({ body: Buffer.concat(chunks), longLine }));
    stream.on('error', reject);
  });
}

export async function onData(
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
  settings: SmtpSettings,
): Promise<string> {
  const state = stateOf(session);
  const read = await readMessage(stream, settings);
  const longLine = read.longLine;
  let body = read.body;
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
  // Space may have run low since MAIL FROM: refuse before anything is written.
  if (await storageLow()) return finish(INSUFFICIENT_STORAGE, 'no_storage');
  const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
  // Mail loops (RFC 5321 6.3): too many hops, or a copy that has already been delivered here.
  const facts = headerFacts(body);
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
  // Only our own checks may speak for this host (RFC 8601 5).
  if (!user) body = stripOwnAuthenticationResults(body, hostname);
  if (!user && !state.connect.relayClient && settings.checkAuthentication) {
    const auth = await checkInboundAuthentication(Buffer.concat([Buffer.from(received), body]), {
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
    const scan = await scanMessage(
      Buffer.concat([Buffer.from(trace), body]),
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
      body,
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
