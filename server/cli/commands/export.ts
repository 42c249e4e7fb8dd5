// `postroom export ADDRESS (--mbox FILE [--folder F] | --maildir DIR)`: a mailbox's mail out.
import { parseArgs } from 'node:util';
import { getMailbox } from '../../domain';
import { exportMaildir, exportMbox } from '../../migrate-in';
import { UsageError } from '../command';
import { ensureMigrated } from './system';

export const EXPORT_USAGE = 'export ADDRESS (--mbox FILE [--folder F] | --maildir DIR)';

export async function exportCommand(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      args,
      options: { mbox: { type: 'string' }, maildir: { type: 'string' }, folder: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  try {
    parsed = parse();
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nusage: postroom ${EXPORT_USAGE}`);
  }
  const { positionals, values } = parsed;
  if (positionals.length !== 1 || Boolean(values.mbox) === Boolean(values.maildir))
    throw new UsageError(`usage: postroom ${EXPORT_USAGE}`);
  await ensureMigrated();
  const mailbox = await getMailbox(positionals[0]!);
  if (values.mbox) {
    const folder = values.folder ?? 'INBOX';
    const count = await exportMbox(mailbox.id, folder, values.mbox);
    console.log(`exported ${count} message(s) from ${mailbox.address} ${folder} to ${values.mbox}`);
  } else {
    const { folders, messages } = await exportMaildir(mailbox.id, values.maildir!);
    console.log(
      `exported ${messages} new message(s) in ${folders} folder(s) from ${mailbox.address} to ${values.maildir}`,
    );
  }
  return 0;
}
