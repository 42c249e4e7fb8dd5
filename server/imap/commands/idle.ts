// IDLE (RFC 2177, RFC 9051 section 6.3.13): changes to the selected mailbox are reported as they
// happen (in-process at once, other processes within the poller's interval) until DONE.
import { bad } from '../errors';
import { AUTHED, type CommandHandler } from './types';

export const IDLE: CommandHandler = {
  states: AUTHED,
  sync: 'full',
  async run(session, command) {
    command.args.end();
    const mailbox = session.mailbox;
    // After NOTIFY, IDLE reports exactly what NOTIFY asked for (RFC 5465 section 4).
    const notify = session.notify;
    session.send('+ idling');
    if (notify) await notify.setIdle(true);
    else if (mailbox) {
      const report = () => void mailbox.sync(session, true).catch(() => undefined);
      mailbox.onChange = report;
      report();
    }
    try {
      const line = await session.reader.readLine();
      if (line === null) return null;
      if (!Buffer.isBuffer(line) || line.toString('latin1').trim().toUpperCase() !== 'DONE')
        throw bad('Expected DONE');
    } finally {
      if (notify) await notify.setIdle(false);
      else if (mailbox) mailbox.onChange = undefined;
    }
    return 'IDLE terminated';
  },
};
