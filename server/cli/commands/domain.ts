import { addDomain, listDomains, removeDomain } from '../../domain';
import { createDkimKey, dkimRecord } from '../../queue';
import { printTable } from '../io';
import { expectArgs, type CommandGroup } from '../command';
import { ensureMigrated } from './system';

export const domainCommand: CommandGroup = {
  add: {
    usage: 'add DOMAIN [--alias-of DOMAIN]',
    options: { 'alias-of': { type: 'string' } },
    async run(args, options) {
      expectArgs(args, 1, 'domain add DOMAIN [--alias-of DOMAIN]');
      await ensureMigrated();
      const domain = await addDomain(args[0]!, { aliasOf: options['alias-of'] as string | undefined });
      console.log(`added domain ${domain.domain}${domain.aliasOf ? ` (alias of ${domain.aliasOf})` : ''}`);
    },
  },
  list: {
    usage: 'list',
    async run(args) {
      expectArgs(args, 0, 'domain list');
      await ensureMigrated();
      const rows = await listDomains();
      printTable(
        rows.map((d) => ({
          domain: d.domain,
          enabled: d.enabled ? 'yes' : 'no',
          'alias of': d.aliasOf ?? '',
          mailboxes: d.mailboxes,
          aliases: d.aliases,
        })),
      );
    },
  },
  remove: {
    usage: 'remove DOMAIN [--force]  (--force also removes its mailboxes, their mail and aliases)',
    options: { force: { type: 'boolean' } },
    async run(args, options) {
      expectArgs(args, 1, 'domain remove DOMAIN [--force]');
      await ensureMigrated();
      await removeDomain(args[0]!, { force: !!options.force });
      console.log(`removed domain ${args[0]!.toLowerCase()}`);
    },
  },
  dkim: {
    usage: 'dkim DOMAIN [--new] [--selector NAME]  (prints the DKIM TXT record; --new makes a 2048-bit key)',
    options: { new: { type: 'boolean' }, selector: { type: 'string' } },
    async run(args, options) {
      expectArgs(args, 1, 'domain dkim DOMAIN [--new] [--selector NAME]');
      await ensureMigrated();
      const record =
        options.new || options.selector
          ? await createDkimKey(args[0]!, options.selector as string | undefined)
          : await dkimRecord(args[0]!);
      if (!record) {
        console.log(
          `${args[0]!.toLowerCase()} has no DKIM key yet: run postroom domain dkim ${args[0]!.toLowerCase()} --new`,
        );
        return;
      }
      console.log(`Publish this TXT record:\n${record.name}. IN TXT "${record.value}"`);
    },
  },
};
