// CANCELUPDATE (RFC 5267 section 4.3.5): stops the updates of the searches named by their tags.
import { cancelUpdates } from '../search-context';
import { SELECTED, type CommandHandler } from './types';
import { selected } from './util';

export const CANCELUPDATE: CommandHandler = {
  states: SELECTED,
  sync: 'full',
  async run(session, command) {
    const mailbox = selected(session);
    const tags: string[] = [];
    do tags.push(command.args.astring('tag'));
    while (command.args.remaining > 0);
    cancelUpdates(mailbox, tags);
    return 'Updates cancelled';
  },
};
