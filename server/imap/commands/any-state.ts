// Commands valid in every state (RFC 9051 section 6.1) and the small authenticated ones that only
// talk about the session: ENABLE (RFC 5161), ID (RFC 2971), NAMESPACE (RFC 2342).
import { bad } from '../errors';
import { tokenText, type Token } from '../parser';
import { imapNString } from '../../mime';
import { ANY, AUTHED, type CommandHandler } from './types';

export const CAPABILITY: CommandHandler = {
  states: ANY,
  sync: 'none',
  async run(session, command) {
    command.args.end();
    session.send(`* CAPABILITY ${session.capabilityLine()}`);
  },
};

export const NOOP: CommandHandler = {
  states: ANY,
  sync: 'full',
  async run(session, command) {
    command.args.end();
  },
};

export const LOGOUT: CommandHandler = {
  states: ANY,
  sync: 'none',
  async run(session, command) {
    command.args.end();
    session.send('* BYE Postroom IMAP signing off');
    session.state = 'logout';
  },
};

export const STARTTLS: CommandHandler = {
  states: ['notauth'],
  sync: 'none',
  async run(session, command) {
    command.args.end();
    if (session.secure) throw bad('TLS is already active');
    session.send(`${command.tag} OK Begin TLS negotiation now`);
    await session.startTls();
    return null;
  },
};

const SERVER_ID = ['name', 'Postroom', 'vendor', 'Postroom', 'support-url', 'https://postroom.invalid/'];

export const ID: CommandHandler = {
  states: ANY,
  sync: 'none',
  async run(session, command) {
    const token = command.args.next('client ID');
    if (!(token.kind === 'atom' && token.value.toUpperCase() === 'NIL') && token.kind !== 'list')
      throw bad('ID takes NIL or a list');
    if (token.kind === 'list') {
      // RFC 2971 section 3.3: at most 30 pairs, keys up to 30 bytes, values up to 1024.
      if (token.items.length % 2 !== 0 || token.items.length > 60)
        throw bad('ID list must hold up to 30 field/value pairs');
      token.items.forEach((item: Token, i) => {
        if (item.kind === 'list') throw bad('ID fields must be strings');
        if (i % 2 === 0 && tokenText(item, 'field').length > 30) throw bad('ID field name too long');
      });
    }
    command.args.end();
    const pairs: string[] = [];
    for (let i = 0; i < SERVER_ID.length; i += 2)
      pairs.push(`${imapNString(SERVER_ID[i])} ${imapNString(SERVER_ID[i + 1])}`);
    session.send(`* ID (${pairs.join(' ')})`);
  },
};

const ENABLEABLE = new Set(['CONDSTORE', 'QRESYNC', 'UTF8=ACCEPT', 'IMAP4REV2']);

export const ENABLE: CommandHandler = {
  states: AUTHED,
  sync: 'none',
  async run(session, command) {
    if (command.args.remaining === 0) throw bad('ENABLE needs a capability');
    const newly: string[] = [];
    while (command.args.remaining > 0) {
      const name = command.args.atom('capability').toUpperCase();
      if (!ENABLEABLE.has(name) || session.enabled.has(name)) continue;
      session.enabled.add(name);
      newly.push(name);
      if (name === 'QRESYNC' && !session.enabled.has('CONDSTORE')) session.enabled.add('CONDSTORE'); // RFC 7162 section 3.2.3
    }
    session.send(`* ENABLED${newly.map((name) => ` ${name === 'IMAP4REV2' ? 'IMAP4rev2' : name}`).join('')}`);
  },
};

export const NAMESPACE: CommandHandler = {
  states: AUTHED,
  sync: 'full',
  async run(session, command) {
    command.args.end();
    session.send('* NAMESPACE (("" "/")) NIL NIL');
  },
};
