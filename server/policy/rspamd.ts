// rspamd over its HTTP API (POST /checkv2): the envelope goes in request headers, the answer is
// an action and a score. "reject" (or a score over our own threshold) refuses the message,
// "add header"/"rewrite subject" files it to Junk, "soft reject"/"greylist" asks to retry.
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
  message: Buffer,
  envelope: RspamdEnvelope,
  rejectScore?: number,
  timeoutMs = 20_000,
): Promise<RspamdVerdict> {
  const headers = new Headers({
    IP: envelope.ip.replace(/^::ffff:/, ''),
    Helo: envelope.helo || 'unknown',
    From: envelope.sender,
    'Queue-Id': envelope.queueId,
  });
  for (const recipient of envelope.recipients) headers.append('Rcpt', recipient);
  if (envelope.user) headers.set('User', envelope.user);
  const response = await fetch(new URL('/checkv2', baseUrl), {
    method: 'POST',
    headers,
    body: new Uint8Array(message),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`rspamd answered HTTP ${response.status}`);
  const body = (await response.json()) as { action?: string; score?: number; required_score?: number };
  const action = body.action ?? 'no action';
  const score = Number(body.score ?? 0);
  let outcome: RspamdVerdict['outcome'] = 'accept';
  if (action === 'reject' || (rejectScore !== undefined && score >= rejectScore)) outcome = 'reject';
  else if (action === 'soft reject' || action === 'greylist') outcome = 'defer';
  else if (action === 'add header' || action === 'rewrite subject') outcome = 'junk';
  return { action, score, requiredScore: Number(body.required_score ?? 0), outcome };
}
