// rspamd over its HTTP API (POST /checkv2): the envelope goes in request headers, the answer is
// an action and a score. "reject" (or a score over our own threshold) refuses the message,
// "add header"/"rewrite subject" files it to Junk, "soft reject"/"greylist" asks to retry. The
// message is sent from a stream (the spool file) with its length, never held in memory whole.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A message as a stream of known length (rspamd wants a Content-Length). */
export interface SizedMessage {
  size: number;
  stream: Readable;
}
export interface RspamdVerdict {
  action: string;
  score: number;
  requiredScore: number;
  /** What we do with it. */
  outcome: 'accept' | 'junk' | 'reject' | 'defer';
}

export interface RspamdEnvelope {
  ip: string;
  helo: string;
  sender: string;
  recipients: string[];
  queueId: string;
  user?: string | null;
}

export async function checkWithRspamd(
  baseUrl: string,
  message: Buffer | SizedMessage,
  envelope: RspamdEnvelope,
  rejectScore?: number,
  timeoutMs = 20_000,
): Promise<RspamdVerdict> {
  const headers: Record<string, string | string[]> = {
    IP: envelope.ip.replace(/^::ffff:/, ''),
    Helo: envelope.helo || 'unknown',
    From: envelope.sender,
    'Queue-Id': envelope.queueId,
    'Content-Length': String(Buffer.isBuffer(message) ? message.length : message.size),
  };
  if (envelope.recipients.length) headers.Rcpt = envelope.recipients;
  if (envelope.user) headers.User = envelope.user;
  const body = (await postJson(new URL('/checkv2', baseUrl), headers, message, timeoutMs)) as {
    action?: string;
    score?: number;
    required_score?: number;
  };
  const action = body.action ?? 'no action';
  const score = Number(body.score ?? 0);
  let outcome: RspamdVerdict['outcome'] = 'accept';
  if (action === 'reject' || (rejectScore !== undefined && score >= rejectScore)) outcome = 'reject';
  else if (action === 'soft reject' || action === 'greylist') outcome = 'defer';
  else if (action === 'add header' || action === 'rewrite subject') outcome = 'junk';
  return { action, score, requiredScore: Number(body.required_score ?? 0), outcome };
}

/** POSTs `message` (streamed, with back-pressure) and parses the JSON answer, all within `timeoutMs`. */
async function postJson(
  url: URL,
  headers: Record<string, string | string[]>,
  message: Buffer | SizedMessage,
  timeoutMs: number,
): Promise<unknown> {
  const signal = AbortSignal.timeout(timeoutMs);
  const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
    method: 'POST',
    headers,
    signal,
  });
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  // rspamd may answer (an error) before it read everything: the answer counts, not the upload.
  const sent = Buffer.isBuffer(message)
    ? new Promise<void>((resolve) => request.end(message, resolve))
    : pipeline(message.stream, request);
  sent.catch(() => undefined);
  const response = await answered;
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of response) {
    length += (chunk as Buffer).length;
    if (length > 1024 * 1024) throw new Error('rspamd answer too large');
    chunks.push(chunk as Buffer);
  }
  if (response.statusCode !== 200) throw new Error(`rspamd answered HTTP ${response.statusCode}`);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}
