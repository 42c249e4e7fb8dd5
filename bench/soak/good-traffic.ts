// The well-behaved traffic of a soak: SMTP deliveries (one message per connection), IMAP
// sessions that read, flag and expunge, IMAP IDLE clients, and POP3 sessions that retrieve and
// delete, so the mailboxes stay small and any steady growth in the worker is its own.
import { LineClient } from './line-client';
import { pacedLoop, repeatLoop, SOURCE, timeLeft, type Account, type SoakContext } from './context';
import { ImapConversation, imapQuote, pop3Expect, pop3MultiLine, smtpExpect, soakMessage } from './protocols';

/** The most messages one POP3 or IMAP session takes bodies of, so one session stays short. */
const MAX_BODIES_PER_SESSION = 20;
/** RFC 9051 6.3.13 asks IDLE clients to re-issue IDLE within 29 minutes; soak clients do it often. */
const IDLE_CYCLE_MS = 4 * 60_000;

function open(context: SoakContext, port: number, tls: boolean): Promise<LineClient> {
  return LineClient.open({ port, tls, localAddress: SOURCE.good, timeoutMs: context.options.replyTimeoutMs });
}

async function deliverOne(context: SoakContext, serial: number): Promise<void> {
  const { imap, pop3 } = context.accounts;
  const recipients = [...imap, ...pop3];
  const to = recipients[serial % recipients.length]!.address;
  const client = await open(context, context.ports.smtp, false);
  try {
    await client.until(/^220 /);
    await smtpExpect(client, 'EHLO good.soak.example\r\n', '250');
    await smtpExpect(client, 'MAIL FROM:<sender@soak-sender.example>\r\n', '250');
    await smtpExpect(client, `RCPT TO:<${to}>\r\n`, '250');
    await smtpExpect(client, 'DATA\r\n', '354');
    await smtpExpect(client, `${soakMessage(serial, to)}.\r\n`, '250');
    context.counters.add('smtp.delivered');
    await smtpExpect(client, 'QUIT\r\n', '221');
  } finally {
    client.destroy();
  }
}

export function smtpDeliveries(context: SoakContext): Promise<void> {
  const intervalMs = 1000 / context.options.deliveryRate;
  return pacedLoop(context, 'smtp', { intervalMs, concurrency: 32 }, (serial) => deliverOne(context, serial));
}

/** UIDs named in FETCH responses ("* 3 FETCH (UID 17 ...)"). */
function fetchedUids(response: string): number[] {
  return [...response.matchAll(/^\* \d+ FETCH \(.*?\bUID (\d+)/gm)].map((match) => Number(match[1]));
}

async function imapSession(context: SoakContext, account: Account): Promise<void> {
  const client = await open(context, context.ports.imaps, true);
  const imap = new ImapConversation(client);
  const step = async (command: string) => {
    const response = await imap.run(command);
    context.counters.add('imap.ops');
    return response;
  };
  try {
    await client.until(/^\* OK/);
    await step(`LOGIN ${imapQuote(account.address)} ${imapQuote(account.password)}`);
    await step('SELECT INBOX');
    const uids = fetchedUids(await step('UID FETCH 1:* (UID FLAGS RFC822.SIZE ENVELOPE)'));
    if (uids.length > 0) {
      const range = `${Math.min(...uids)}:${Math.max(...uids)}`;
      const newest = uids.slice(-MAX_BODIES_PER_SESSION);
      await step(`UID FETCH ${newest.join(',')} (BODY.PEEK[] BODYSTRUCTURE)`);
      await step(`UID STORE ${range} +FLAGS.SILENT (\\Seen)`);
      await step(`UID STORE ${range} +FLAGS.SILENT (\\Deleted)`);
      await step('EXPUNGE');
      context.counters.add('imap.expunged', uids.length);
    }
    await step('LOGOUT');
    context.counters.add('imap.sessions');
  } finally {
    client.destroy();
  }
}

export function imapSessions(context: SoakContext): Promise<void> {
  const accounts = context.accounts.imap;
  return Promise.all(
    Array.from({ length: context.options.imapSessionWorkers }, (_, worker) =>
      repeatLoop(context, 'imap', 1000, (run) =>
        imapSession(context, accounts[(worker + run) % accounts.length]!),
      ),
    ),
  ).then(() => {});
}

/** One IDLE connection: IDLE in cycles, counting EXISTS/EXPUNGE pushes, until the deadline. */
async function idleConnection(context: SoakContext, account: Account): Promise<void> {
  const client = await open(context, context.ports.imap, false);
  const imap = new ImapConversation(client);
  try {
    await client.until(/^\* OK/);
    await imap.run(`LOGIN ${imapQuote(account.address)} ${imapQuote(account.password)}`);
    await imap.run('SELECT INBOX');
    context.counters.add('idle.connected');
    while (timeLeft(context) > 0) {
      const tag = await imap.startIdle();
      const cycleEnd = Date.now() + Math.min(IDLE_CYCLE_MS, timeLeft(context));
      while (Date.now() < cycleEnd) {
        const pushed = await client
          .until(/^\* \d+ (EXISTS|EXPUNGE)/, Math.max(1, cycleEnd - Date.now()))
          .catch((error: unknown) => {
            if (client.closed) throw error;
            return ''; // the cycle ran out with nothing pushed
          });
        if (pushed) context.counters.add('idle.pushes');
      }
      await imap.endIdle(tag);
    }
    await imap.run('LOGOUT');
  } finally {
    client.destroy();
  }
}

export function idleClients(context: SoakContext): Promise<void> {
  const accounts = context.accounts.imap;
  return Promise.all(
    Array.from({ length: context.options.idleClients }, (_, index) =>
      repeatLoop(context, 'idle', 1000, () => idleConnection(context, accounts[index % accounts.length]!)),
    ),
  ).then(() => {});
}

async function pop3Session(context: SoakContext, account: Account): Promise<void> {
  const client = await open(context, context.ports.pop3s, true);
  try {
    await client.until(/^\+OK/);
    await pop3Expect(client, `USER ${account.address}\r\n`);
    await pop3Expect(client, `PASS ${account.password}\r\n`);
    const stat = await pop3Expect(client, 'STAT\r\n');
    const count = Number(/^\+OK (\d+)/.exec(stat)?.[1] ?? 0);
    await pop3Expect(client, 'UIDL\r\n');
    await pop3MultiLine(client);
    const taken = Math.min(count, MAX_BODIES_PER_SESSION);
    for (let n = 1; n <= taken; n++) {
      await pop3Expect(client, `RETR ${n}\r\n`);
      await pop3MultiLine(client);
      await pop3Expect(client, `DELE ${n}\r\n`);
    }
    // Deletions take effect in the UPDATE state, after QUIT's +OK (RFC 1939 6).
    await pop3Expect(client, 'QUIT\r\n');
    context.counters.add('pop3.retrieved', taken);
    context.counters.add('pop3.sessions');
  } finally {
    client.destroy();
  }
}

export function pop3Sessions(context: SoakContext): Promise<void> {
  const accounts = context.accounts.pop3;
  const workers = Math.min(context.options.pop3SessionWorkers, accounts.length);
  // Worker w takes accounts w, w+workers, ...: two sessions never hold the same maildrop lock.
  return Promise.all(
    Array.from({ length: workers }, (_, worker) => {
      const own = accounts.filter((_, index) => index % workers === worker);
      return repeatLoop(context, 'pop3', 1000, (run) => pop3Session(context, own[run % own.length]!));
    }),
  ).then(() => {});
}
