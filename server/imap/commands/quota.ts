// QUOTA (RFC 9208): one quota root "" per mailbox holding STORAGE in KiB; SETQUOTA is for admins
// in the console, so it is refused here.
import { userQuota } from '../../store';
import { no } from '../errors';
import { mailboxOut } from '../format';
import type { ImapSession } from '../session';
import { AUTHED, type CommandHandler } from './types';
import { mailboxArg, requireFolder } from './util';

async function quotaLine(session: ImapSession): Promise<string | null> {
  const quota = await userQuota(session.user!.id);
  if (quota.quotaBytes <= 0n) return null;
  const kib = (bytes: bigint) => (bytes + 1023n) / 1024n;
  return `* QUOTA "" (STORAGE ${kib(quota.usedBytes)} ${kib(quota.quotaBytes)})`;
}

export const GETQUOTAROOT: CommandHandler = {
  states: AUTHED,
  sync: 'full',
  async run(session, command) {
    const name = mailboxArg(session, command.args);
    command.args.end();
    const folder = await requireFolder(session, name);
    const line = await quotaLine(session);
    session.send(`* QUOTAROOT ${mailboxOut(folder.name, session.utf8)}${line ? ' ""' : ''}`);
    if (line) session.send(line);
  },
};

export const GETQUOTA: CommandHandler = {
  states: AUTHED,
  sync: 'full',
  async run(session, command) {
    const root = command.args.astring('quota root');
    command.args.end();
    const line = root === '' ? await quotaLine(session) : null;
    if (!line) throw no('No such quota root', 'NONEXISTENT');
    session.send(line);
  },
};

export const SETQUOTA: CommandHandler = {
  states: AUTHED,
  sync: 'full',
  async run() {
    throw no('Quotas are set by the administrator', 'NOPERM');
  },
};
