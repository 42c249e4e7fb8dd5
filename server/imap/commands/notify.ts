// NOTIFY SET [STATUS] (filter events)... and NOTIFY NONE (RFC 5465 section 3.1). A new NOTIFY
// replaces the previous one; NOTIFY SET implies NOOP, so pending changes of the selected mailbox
// are reported before the OK (the 'full' sync), after the initial STATUS responses.
import { bad } from '../errors';
import { Notifier } from '../notify';
import { NOTIFY_NONE, parseNotifySet } from '../notify-config';
import { AUTHED, type CommandHandler } from './types';

export const NOTIFY: CommandHandler = {
  states: AUTHED,
  sync: 'full',
  async run(session, command) {
    const args = command.args;
    let config = NOTIFY_NONE;
    if (args.acceptAtom('SET')) config = parseNotifySet(args, session.utf8);
    else if (args.acceptAtom('NONE')) args.end();
    else throw bad('NOTIFY SET or NOTIFY NONE');
    const notifier = new Notifier(session, config, 'NOTIFY');
    let statusLines: string[];
    try {
      statusLines = await notifier.start();
    } catch (error) {
      notifier.stop();
      throw error;
    }
    session.notify?.stop();
    session.notify = notifier;
    for (const line of statusLines) session.send(line);
  },
};
