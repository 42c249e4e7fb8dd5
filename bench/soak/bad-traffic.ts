// The misbehaving clients of a soak, each from its own loopback address: one that connects and
// never speaks, one that trickles a byte a second, one that starts DATA and vanishes, one that
// sends junk, one that APPENDs and vanishes mid-literal, a password guesser, and a bounded
// connection flood. Every connection and every wait is bounded; outcomes are counted, not judged.
import { LineClient } from './line-client';
import { lastFailure, pacedLoop, repeatLoop, sleep, SOURCE, timeLeft, type SoakContext } from './context';
import { ImapConversation, imapQuote, smtpExpect } from './protocols';

type Protocol = 'smtp' | 'imap' | 'pop3';
const PROTOCOLS: readonly Protocol[] = ['smtp', 'imap', 'pop3'];

/** Longest a silent or trickling connection is held before the client gives up on its own. */
const MAX_HOLD_MS = 15 * 60_000;
/** How long a junk line waits for its error answer before the client counts it unanswered. */
const JUNK_REPLY_WAIT_MS = 5000;
const TRICKLE_COMMANDS: Record<Protocol, string> = {
  smtp: 'EHLO trickle.soak.example\r\n',
  imap: 't1 CAPABILITY\r\n',
  pop3: 'CAPA\r\n',
};
/** A line that ends any answer of the protocol, error or not. */
const ANY_REPLY: Record<Protocol, RegExp> = {
  smtp: /^\d{3} /,
  imap: /^(\S+ (OK|NO|BAD)|\* (BAD|BYE))/,
  pop3: /^[+-]/,
};
const ERROR_REPLY: Record<Protocol, RegExp> = {
  smtp: /^[45]\d\d /,
  imap: /^(\S+ (NO|BAD)|\* (BAD|BYE))/,
  pop3: /^-ERR/,
};
const GREETING: Record<Protocol, RegExp> = { smtp: /^220 /, imap: /^\* OK/, pop3: /^\+OK/ };
const JUNK: Record<Protocol, string[]> = {
  smtp: ['XYZZY plugh', 'HELO', 'RCPT TO:<nobody', 'MAIL FROM:<>>>', 'DATA', `NOOP ${'A'.repeat(5000)}`],
  imap: ['x1 FETCH (((', 'no-tag-at-all', 'x2 LOGIN', 'x3 SELECT {99999999999}', `x4 ${'A'.repeat(20000)}`],
  pop3: ['RETR -1', 'XYZZY', 'USER', 'PASS', `LIST ${'9'.repeat(3000)}`, 'DELE x'],
};

function portOf(context: SoakContext, protocol: Protocol): number {
  return context.ports[protocol];
}

function open(context: SoakContext, protocol: Protocol, source: string): Promise<LineClient> {
  return LineClient.open({
    port: portOf(context, protocol),
    localAddress: source,
    timeoutMs: context.options.replyTimeoutMs,
  });
}

function randomJunkLine(): string {
  // Bytes 0x01-0xFF without CR/LF: not a command in any protocol.
  return Array.from({ length: 20 + Math.floor(Math.random() * 200) }, () => {
    const byte = 1 + Math.floor(Math.random() * 254);
    return byte === 10 || byte === 13 ? ' ' : String.fromCharCode(byte);
  }).join('');
}

/** Connects and never speaks; counts how long the server keeps it before closing it. */
async function silentOnce(context: SoakContext, protocol: Protocol): Promise<void> {
  const client = await open(context, protocol, SOURCE.misbehaving);
  context.counters.add('bad.silent.opened');
  try {
    if (await client.waitClosed(Math.min(MAX_HOLD_MS, Math.max(1, timeLeft(context)))))
      context.counters.add('bad.silent.closedByServer');
  } finally {
    client.destroy();
  }
}

/** Sends one command a byte a second, forever, counting answers and the server's hang-up. */
async function trickleOnce(context: SoakContext, protocol: Protocol): Promise<void> {
  const client = await open(context, protocol, SOURCE.misbehaving);
  const stopAt = Date.now() + Math.min(MAX_HOLD_MS, timeLeft(context));
  try {
    await client.until(GREETING[protocol]);
    while (Date.now() < stopAt && !client.closed) {
      for (const byte of TRICKLE_COMMANDS[protocol]) {
        if (client.closed || Date.now() >= stopAt) break;
        client.write(byte);
        context.counters.add('bad.trickle.bytes');
        await sleep(1000);
      }
      const answered = await client.until(ANY_REPLY[protocol], 5000).catch(() => '');
      if (answered) context.counters.add('bad.trickle.answered');
    }
    if (client.closed) context.counters.add('bad.trickle.closedByServer');
  } finally {
    client.destroy();
  }
}

/** MAIL, RCPT, DATA, half a message, gone: nothing may be stored for the target. */
async function dataDropOnce(context: SoakContext): Promise<void> {
  const client = await open(context, 'smtp', SOURCE.misbehaving);
  try {
    await client.until(/^220 /);
    await smtpExpect(client, 'EHLO dropper.soak.example\r\n', '250');
    await smtpExpect(client, 'MAIL FROM:<dropper@soak-sender.example>\r\n', '250');
    await smtpExpect(client, `RCPT TO:<${context.accounts.dataDropTarget.address}>\r\n`, '250');
    await smtpExpect(client, 'DATA\r\n', '354');
    client.write(`Subject: never complete\r\n\r\n${'half a message\r\n'.repeat(500)}`);
    await sleep(200);
    context.counters.add('bad.dataDrop.runs');
  } finally {
    client.destroy();
  }
}

/** Junk lines until the server hangs up or the list ends; counts error answers. */
async function junkOnce(context: SoakContext, protocol: Protocol): Promise<void> {
  const client = await open(context, protocol, SOURCE.misbehaving);
  try {
    await client.until(GREETING[protocol]);
    const lines = [...JUNK[protocol], ...Array.from({ length: 54 }, randomJunkLine)];
    let unansweredInARow = 0;
    for (const line of lines) {
      if (client.closed || unansweredInARow >= 3) break;
      context.counters.add('bad.junk.lines');
      const reply = await client
        .command(`${line}\r\n`, ANY_REPLY[protocol], JUNK_REPLY_WAIT_MS)
        .catch(() => '');
      const last = reply.trimEnd().split('\n').at(-1) ?? '';
      unansweredInARow = reply ? 0 : unansweredInARow + 1;
      if (ERROR_REPLY[protocol].test(last)) context.counters.add('bad.junk.errorReplies');
      else if (reply) {
        context.counters.add('bad.junk.okReplies');
        lastFailure.set(`bad.junk.okReply.${protocol}`, `${line.slice(0, 40)} -> ${last.slice(0, 80)}`);
      } else if (!client.closed) context.counters.add('bad.junk.unanswered');
    }
    if (client.closed) context.counters.add('bad.junk.closedByServer');
  } finally {
    client.destroy();
  }
}

/** Logs in, APPENDs with a literal (synchronizing or LITERAL+), sends half of it and vanishes. */
async function appendDropOnce(context: SoakContext, run: number): Promise<void> {
  const { address, password } = context.accounts.appendDropper;
  const client = await open(context, 'imap', SOURCE.misbehaving);
  const imap = new ImapConversation(client);
  try {
    await client.until(/^\* OK/);
    await imap.run(`LOGIN ${imapQuote(address)} ${imapQuote(password)}`);
    const message = `Subject: never complete\r\n\r\n${'half an append\r\n'.repeat(2000)}`;
    const nonSynchronizing = run % 2 === 1; // RFC 7888 LITERAL+
    client.write(`a1 APPEND INBOX {${message.length}${nonSynchronizing ? '+' : ''}}\r\n`);
    if (!nonSynchronizing) await client.until(/^\+/);
    client.write(message.slice(0, message.length / 2));
    await sleep(200);
    context.counters.add('bad.appendDrop.runs');
  } finally {
    client.destroy();
  }
}

/** One wrong password by IMAP LOGIN or POP3 USER/PASS; an acceptance would be a serious bug. */
async function wrongPasswordOnce(context: SoakContext, run: number): Promise<void> {
  const victim = context.accounts.victim.address;
  const protocol: Protocol = run % 2 === 0 ? 'imap' : 'pop3';
  const client = await open(context, protocol, SOURCE.passwordGuesser);
  try {
    await client.until(GREETING[protocol]);
    let reply: string;
    if (protocol === 'imap') {
      reply = await client.command(`g1 LOGIN ${imapQuote(victim)} "guess-${run}"\r\n`, /^g1 /);
    } else {
      await client.command(`USER ${victim}\r\n`, /^[+-]/);
      reply = await client.command(`PASS guess-${run}\r\n`, /^[+-]/);
    }
    const refused = protocol === 'imap' ? /^g1 (NO|BAD)/ : /^-ERR/;
    context.counters.add(refused.test(reply) ? 'bad.password.refused' : 'bad.password.ACCEPTED');
  } finally {
    client.destroy();
  }
}

/** Opens `floodSize` connections at once from one address, holds them 5 s, drops them all. */
async function floodOnce(context: SoakContext, run: number): Promise<void> {
  const protocol = PROTOCOLS[run % PROTOCOLS.length]!;
  const attempts = Array.from({ length: context.options.floodSize }, async () => {
    const client = await open(context, protocol, SOURCE.flooder);
    const greeting = await client.until(/^./, context.options.replyTimeoutMs).catch(() => '');
    context.counters.add(
      `bad.flood.${protocol}.${GREETING[protocol].test(greeting) ? 'greeted' : 'turnedAway'}`,
    );
    return client;
  });
  const settled = await Promise.allSettled(attempts);
  context.counters.add(
    `bad.flood.${protocol}.refused`,
    settled.filter((result) => result.status === 'rejected').length,
  );
  await sleep(5000);
  for (const result of settled) if (result.status === 'fulfilled') result.value.destroy();
}

export function misbehavingClients(context: SoakContext): Promise<void> {
  const perProtocol = (body: (protocol: Protocol) => Promise<void>, prefix: string) =>
    PROTOCOLS.map((protocol) => repeatLoop(context, prefix, 1000, () => body(protocol)));
  return Promise.all([
    ...perProtocol((protocol) => silentOnce(context, protocol), 'bad.silent'),
    ...perProtocol((protocol) => trickleOnce(context, protocol), 'bad.trickle'),
    pacedLoop(context, 'bad.dataDrop', { intervalMs: 3000, concurrency: 4 }, () => dataDropOnce(context)),
    pacedLoop(context, 'bad.junk', { intervalMs: 5000, concurrency: 3 }, (run) =>
      junkOnce(context, PROTOCOLS[run % PROTOCOLS.length]!),
    ),
    pacedLoop(context, 'bad.appendDrop', { intervalMs: 5000, concurrency: 4 }, (run) =>
      appendDropOnce(context, run),
    ),
    pacedLoop(context, 'bad.password', { intervalMs: 2000, concurrency: 4 }, (run) =>
      wrongPasswordOnce(context, run),
    ),
    pacedLoop(context, 'bad.flood', { intervalMs: 60_000, concurrency: 1 }, (run) => floodOnce(context, run)),
  ]).then(() => {});
}
