// STATUS (RFC 9051 section 6.3.11) with CONDSTORE's HIGHESTMODSEQ, STATUS=SIZE (RFC 8438),
// DELETED (RFC 9051) and APPENDLIMIT (RFC 7889); also used for LIST-STATUS (RFC 5819).
import { folderStatus } from '../../store';
import { bad } from '../errors';
import { atomsOf } from '../parser';
import { APPEND_LIMIT } from '../capabilities';
import { mailboxOut } from '../format';
import type { ImapSession } from '../session';
import { AUTHED, type CommandHandler } from './types';
import { mailboxArg, requireFolder } from './util';

const ITEMS = new Set([
  'MESSAGES',
  'UIDNEXT',
  'UIDVALIDITY',
  'UNSEEN',
  'RECENT',
  'SIZE',
  'HIGHESTMODSEQ',
  'DELETED',
  'APPENDLIMIT',
]);

export function parseStatusItems(items: string[]): string[] {
  const upper = items.map((item) => item.toUpperCase());
  if (upper.length === 0) throw bad('STATUS needs at least one item');
  for (const item of upper) if (!ITEMS.has(item)) throw bad(`Unknown STATUS item ${item.slice(0, 20)}`);
  return upper;
}

export async function statusLine(
  session: ImapSession,
  folder: { id: number; name: string },
  items: string[],
): Promise<string> {
  const status = await folderStatus(folder.id);
  // The selected mailbox's view may be behind the store; report what the store holds (RFC 9051 6.3.11).
  const values: Record<string, string> = {
    MESSAGES: String(status.messages),
    UIDNEXT: String(status.uidNext),
    UIDVALIDITY: String(status.uidValidity),
    UNSEEN: String(status.unseen),
    RECENT: String(status.recent),
    SIZE: String(status.size),
    HIGHESTMODSEQ: String(status.highestModseq),
    DELETED: String(status.deleted),
    APPENDLIMIT: String(APPEND_LIMIT),
  };
  return `* STATUS ${mailboxOut(folder.name, session.utf8)} (${items.map((item) => `${item} ${values[item]}`).join(' ')})`;
}

export const STATUS: CommandHandler = {
  states: AUTHED,
  sync: 'full',
  async run(session, command) {
    const name = mailboxArg(session, command.args);
    const items = parseStatusItems(atomsOf(command.args.list('status items'), 'status items'));
    command.args.end();
    if (items.includes('HIGHESTMODSEQ')) session.enableCondstore();
    const folder = await requireFolder(session, name);
    session.send(await statusLine(session, folder, items));
  },
};
