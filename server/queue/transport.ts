// One delivery attempt to one destination: the MX hosts in order, up to four addresses each,
// several recipients in one transaction. Each recipient comes back sent, deferred (4xx) or failed
// (5xx). Whatever the peer does (drops, stalls, trickles, floods) the attempt settles within the
// phase deadlines, with the reason in the reply the journey page shows.
import { hostAddresses } from './destinations';
import { afterFinalDot, runTransaction, type Credentials } from './conversation';
import { replyText, SessionError, SmtpSession } from './smtp-session';
import type { QueueSettings } from './settings';
import type { OutboundMessage } from './outbound-message';

export interface RecipientOutcome {
  address: string;
  result: 'sent' | 'deferred' | 'failed';
  reply: string;
  remote?: string;
}

/** The worker is stopping: the attempt was dropped and its entry must be retried, not settled. */
export class AttemptAbandoned extends Error {}

interface Target {
  host: string;
  address: string;
  port: number;
  credentials?: Credentials;
}

function classify(code: number): 'sent' | 'deferred' | 'failed' {
  if (code >= 200 && code < 300) return 'sent';
  return code >= 500 ? 'failed' : 'deferred';
}

/** RFC 3463: X.4.1 no answer from host, X.4.2 bad connection (dropped, stalled, garbled). */
function sessionFailureReply(target: Target, error: SessionError): string {
  const status = error.phase === 'connect' ? '4.4.1' : '4.4.2';
  return `451 ${status} ${target.host}[${target.address}]:${target.port}: ${error.message}`;
}

async function targets(hosts: string[], settings: QueueSettings): Promise<Target[]> {
  const relay = settings.relayHost;
  const credentials = relay?.user && relay.password ? { user: relay.user, pass: relay.password } : undefined;
  const found: Target[] = [];
  for (const host of hosts) {
    const port = relay ? relay.port : (settings.hostPorts[host.toLowerCase()] ?? settings.remotePort);
    const addresses = /^[\d.]+$|:/.test(host) ? [host] : await hostAddresses(host);
    for (const address of addresses.slice(0, 4)) found.push({ host, address, port, credentials });
  }
  return found;
}

export async function deliverToHosts(
  hosts: string[],
  sender: string,
  recipients: string[],
  message: OutboundMessage,
  settings: QueueSettings,
  signal?: AbortSignal,
): Promise<RecipientOutcome[]> {
  const all = (result: RecipientOutcome['result'], reply: string, remote?: string) =>
    recipients.map((address) => ({ address, result, reply, remote }));
  let lastError = '451 4.4.1 no address found for the destination hosts';
  let lastHost: string | undefined;
  for (const target of await targets(hosts, settings)) {
    if (signal?.aborted) throw new AttemptAbandoned('worker stopping');
    let session: SmtpSession | undefined;
    lastHost = target.host;
    try {
      const opened = await SmtpSession.open({
        address: target.address,
        port: target.port,
        host: target.host,
        implicitTls: target.port === 465,
        rejectUnauthorized: settings.requireValidCertificates,
        timeouts: settings.timeouts,
        signal,
      });
      session = opened.session;
      const transaction = await runTransaction(
        session,
        opened.greeting,
        { sender, recipients, message },
        { credentials: target.credentials, requireTls: !!target.credentials && target.port !== 465 },
      );
      if (transaction.kind === 'refused') {
        // A 5xx before any recipient is an answer for all of them; a 4xx lets the next host try.
        if (transaction.code >= 500) return all('failed', transaction.reply, target.host);
        lastError = `${transaction.reply} (${target.host}[${target.address}])`;
        continue;
      }
      return recipients.map((address) => {
        const reply = transaction.replies.get(address)!;
        return { address, result: classify(reply.code), reply: replyText(reply), remote: target.host };
      });
    } catch (error) {
      if (!(error instanceof SessionError)) throw error;
      if (error.kind === 'aborted') throw new AttemptAbandoned(error.message);
      lastError = sessionFailureReply(target, error);
      // The peer may have taken the message before it went quiet: no second host gets it now.
      if (afterFinalDot(error)) return all('deferred', lastError, target.host);
    } finally {
      session?.close();
    }
  }
  return all('deferred', lastError, lastHost);
}
