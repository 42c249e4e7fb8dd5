import { addMailbox, listMailboxes, removeMailbox, setMailboxEnabled, setPassword } from '../../domain';
import { printTable, formatBytes, promptHidden, readPasswordFromStdin } from '../io';
import { expectArgs, UsageError, type CommandGroup, type Options } from '../command';
import { ensureMigrated } from './system';

async function obtainPassword(options: Options): Promise<string> {
  if (options['password-stdin']) return readPasswordFromStdin();
  const first = await promptHidden('Password: ');
  const second = await promptHidden('Repeat password: ');
  if (first !== second) throw new UsageError('the two passwords differ');
  return first;
}

export const userCommand: CommandGroup = {
  add: {
    usage:
      'add ADDRESS [--password-stdin] [--name NAME] [--quota 2G] [--role user|domain_admin|super] [--manages DOMAIN,...]',
    options: {
      'password-stdin': { type: 'boolean' },
      name: { type: 'string' },
      quota: { type: 'string' },
      role: { type: 'string' },
      manages: { type: 'string' },
    },
    async run(args, options) {
      expectArgs(args, 1, 'user add ADDRESS [--password-stdin] [--name NAME] [--quota 2G] [--role ROLE]');
      await ensureMigrated();
      const password = await obtainPassword(options);
      const mailbox = await addMailbox({
        address: args[0]!,
        password,
        displayName: options.name as string | undefined,
        quota: options.quota as string | undefined,
        role: options.role as string | undefined,
        manages: options.manages ? String(options.manages).split(',').filter(Boolean) : undefined,
      });
      console.log(
        `added mailbox ${mailbox.address} (${mailbox.role}${mailbox.quotaBytes > 0n ? `, quota ${formatBytes(mailbox.quotaBytes)}` : ''})`,
      );
    },
  },
  passwd: {
    usage: 'passwd ADDRESS [--password-stdin]',
    options: { 'password-stdin': { type: 'boolean' } },
    async run(args, options) {
      expectArgs(args, 1, 'user passwd ADDRESS [--password-stdin]');
      await ensureMigrated();
      await setPassword(args[0]!, await obtainPassword(options));
      console.log(`password changed for ${args[0]!.toLowerCase()}`);
    },
  },
  list: {
    usage: 'list [--domain DOMAIN] [--search TEXT]',
    options: { domain: { type: 'string' }, search: { type: 'string' } },
    async run(args, options) {
      expectArgs(args, 0, 'user list [--domain DOMAIN] [--search TEXT]');
      await ensureMigrated();
      const { rows, total } = await listMailboxes({
        domain: (options.domain as string | undefined)?.toLowerCase(),
        search: options.search as string | undefined,
        pageSize: 500,
      });
      printTable(
        rows.map((m) => ({
          address: m.address,
          name: m.displayName,
          role: m.role,
          enabled: m.enabled ? 'yes' : 'no',
          used: formatBytes(m.usedBytes),
          quota: m.quotaBytes > 0n ? formatBytes(m.quotaBytes) : 'none',
        })),
      );
      if (total > rows.length) console.log(`(${rows.length} of ${total} shown)`);
    },
  },
  remove: {
    usage: 'remove ADDRESS  (its folders and stored mail are deleted)',
    async run(args) {
      expectArgs(args, 1, 'user remove ADDRESS');
      await ensureMigrated();
      await removeMailbox(args[0]!);
      console.log(`removed mailbox ${args[0]!.toLowerCase()} and its mail`);
    },
  },
  disable: {
    usage: 'disable ADDRESS  (refuses logins and mail; keeps the stored mail)',
    async run(args) {
      expectArgs(args, 1, 'user disable ADDRESS');
      await ensureMigrated();
      await setMailboxEnabled(args[0]!, false);
      console.log(`disabled ${args[0]!.toLowerCase()}`);
    },
  },
  enable: {
    usage: 'enable ADDRESS',
    async run(args) {
      expectArgs(args, 1, 'user enable ADDRESS');
      await ensureMigrated();
      await setMailboxEnabled(args[0]!, true);
      console.log(`enabled ${args[0]!.toLowerCase()}`);
    },
  },
};
