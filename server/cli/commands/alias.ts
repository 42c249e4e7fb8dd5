import { addAlias, listAliases, removeAlias } from '../../domain';
import { printTable } from '../io';
import { expectArgs, type CommandGroup } from '../command';
import { ensureMigrated } from './system';

export const aliasCommand: CommandGroup = {
  add: {
    usage: 'add SOURCE DEST [DEST...]  (SOURCE @domain is the catch-all)',
    async run(args) {
      expectArgs(args, 2, 'alias add SOURCE DEST [DEST...]', true);
      await ensureMigrated();
      const alias = await addAlias(args[0]!, args.slice(1));
      console.log(`${alias.source} -> ${alias.destinations.join(', ')}`);
    },
  },
  list: {
    usage: 'list [--domain DOMAIN]',
    options: { domain: { type: 'string' } },
    async run(args, options) {
      expectArgs(args, 0, 'alias list [--domain DOMAIN]');
      await ensureMigrated();
      const rows = await listAliases({ domain: (options.domain as string | undefined)?.toLowerCase() });
      printTable(rows.map((a) => ({ source: a.source, destinations: a.destinations.join(', ') })));
    },
  },
  remove: {
    usage: 'remove SOURCE [DEST]',
    async run(args) {
      if (args.length < 1 || args.length > 2) expectArgs(args, 1, 'alias remove SOURCE [DEST]');
      await ensureMigrated();
      await removeAlias(args[0]!, args[1]);
      console.log(`removed ${args[0]}${args[1] ? ` -> ${args[1]}` : ''}`);
    },
  },
};
