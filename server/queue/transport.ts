// One delivery attempt to one destination over nodemailer's SMTP connection: several recipients
// in one transaction, STARTTLS whenever offered (RFC 3207; opportunistic, RFC 7435), AUTH only
// towards a configured smarthost. Each recipient comes back sent, deferred (4xx) or failed (5xx).
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { config } from '../core/config';
import { hostAddresses } from './destinations';
import type { QueueSettings } from './settings';

export interface RecipientOutcome {
  address: string;
  result: 'sent' | 'deferred' | 'failed';
  reply: string;
  remote?: string;
}

interface Attempt {
  host: string;
  address: string;
  port: number;
  auth?: { user: string; pass: string };
}

function connect(attempt: Attempt, settings: QueueSettings): Promise<SMTPConnection> {
  return new Promise((resolve, reject) => {
    const connection = new SMTPConnection({
      host: attempt.address,
      port: attempt.port,
      name: config().hostname,
      secure: attempt.port === 465,
      opportunisticTLS: true,
      // Credentials for the smarthost never go over a cleartext connection.
      requireTLS: !!attempt.auth && attempt.port !== 465,
      tls: {
        rejectUnauthorized: settings.requireValidCertificates,
        servername: attempt.host,
        minVersion: 'TLSv1.2',
      },
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 120_000,
    });
    connection.once('error', reject);
    connection.connect(() => {
      connection.removeListener('error', reject);
      connection.on('error', () => {});
      if (!attempt.auth) return resolve(connection);
      connection.login(attempt.auth, (error) =>
        error ? (connection.close(), reject(error)) : resolve(connection),
      );
    });
  });
}

interface SmtpFailure extends Error {
  responseCode?: number;
  response?: string;
  recipient?: string;
  rejectedErrors?: SmtpFailure[];
}

function classify(code: number | undefined): 'deferred' | 'failed' {
  return code !== undefined && code >= 500 ? 'failed' : 'deferred';
}

function transmit(
  connection: SMTPConnection,
  sender: string,
  recipients: string[],
  message: Buffer,
): Promise<{ accepted: string[]; rejected: SmtpFailure[]; response: string }> {
  return new Promise((resolve, reject) => {
    connection.send({ from: sender, to: recipients }, message, (error, info) => {
      if (error) return reject(error);
      const extra = info as unknown as { rejectedErrors?: SmtpFailure[] };
      resolve({
        accepted: info.accepted.map(String),
        rejected: extra.rejectedErrors ?? [],
        response: info.response,
      });
    });
  });
}

/** Tries the hosts in order until one answers; a host that cannot be reached is skipped. */
export async function deliverToHosts(
  hosts: string[],
  sender: string,
  recipients: string[],
  message: Buffer,
  settings: QueueSettings,
): Promise<RecipientOutcome[]> {
  const attempts: Attempt[] = [];
  const relay = settings.relayHost;
  for (const host of hosts) {
    const port = relay ? relay.port : settings.remotePort;
    const auth = relay?.user && relay.password ? { user: relay.user, pass: relay.password } : undefined;
    const addresses = /^[\d.]+$|:/.test(host) ? [host] : await hostAddresses(host);
    for (const address of addresses.slice(0, 4)) attempts.push({ host, address, port, auth });
  }
  let lastError = 'no address found for the destination hosts';
  for (const attempt of attempts) {
    let connection: SMTPConnection;
    try {
      connection = await connect(attempt, settings);
    } catch (error) {
      const failure = error as SmtpFailure;
      // A 5xx greeting or AUTH failure is an answer; a dead host is not: try the next one.
      if (failure.responseCode && failure.responseCode >= 500)
        return recipients.map((address) => ({
          address,
          result: 'failed',
          reply: failure.response ?? failure.message,
          remote: attempt.host,
        }));
      lastError = `${attempt.host}[${attempt.address}]: ${failure.response ?? failure.message}`;
      continue;
    }
    try {
      const result = await transmit(connection, sender, recipients, message);
      const rejected = new Map(result.rejected.map((failure) => [failure.recipient ?? '', failure]));
      return recipients.map((address) => {
        const failure = rejected.get(address);
        if (!failure) return { address, result: 'sent', reply: result.response, remote: attempt.host };
        return {
          address,
          result: classify(failure.responseCode),
          reply: failure.response ?? failure.message,
          remote: attempt.host,
        };
      });
    } catch (error) {
      const failure = error as SmtpFailure;
      if (failure.rejectedErrors) {
        const byRecipient = new Map(failure.rejectedErrors.map((item) => [item.recipient ?? '', item]));
        return recipients.map((address) => {
          const item = byRecipient.get(address) ?? failure;
          return {
            address,
            result: classify(item.responseCode),
            reply: item.response ?? item.message,
            remote: attempt.host,
          };
        });
      }
      if (failure.responseCode)
        return recipients.map((address) => ({
          address,
          result: classify(failure.responseCode),
          reply: failure.response ?? failure.message,
          remote: attempt.host,
        }));
      lastError = `${attempt.host}[${attempt.address}]: ${failure.message}`;
    } finally {
      connection.quit();
    }
  }
  return recipients.map((address) => ({ address, result: 'deferred', reply: `451 4.4.1 ${lastError}` }));
}
