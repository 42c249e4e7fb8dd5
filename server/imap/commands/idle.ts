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
    session.send('+ idling');
    if (mailbox) {
      const report = () => void mailbox.sync(session, true).catch(() => undefined);
      mailbox.onChange = report;
      report();
    }
    try {
      const line = await session.reader.readLine();
      if (line === null) return null;
      if (!Buffer.isBuffer(line) || line.toString('latin1').trim().toUpperCase() !== 'DONE') throw bad('Expected DONE');
    } finally {
      if (mailbox) mailbox.onChange = undefined;
    }
    return 'IDLE terminated';
  },
};
