import { listQueue, retryNow, retryAll, deleteQueueEntry, bounceNow } from '../../queue';
import { printTable } from '../io';
import { expectArgs, type CommandGroup } from '../command';
import { ensureMigrated } from './system';

export const queueCommand: CommandGroup = {
  list: {
    usage: 'list [--search TEXT]',
    options: { search: { type: 'string' } },
    async run(args, options) {
      expectArgs(args, 0, 'queue list [--search TEXT]');
      await ensureMigrated();
      const rows = await listQueue({ search: options.search as string | undefined });
      printTable(
        rows.map((entry) => ({
          'queue id': entry.queueId,
          sender: entry.sender || '<>',
          recipients: entry.recipients.map((r) => r.address).join(', '),
          size: entry.size,
          status: entry.status,
          attempts: entry.attempts,
          'next attempt': entry.nextAttemptAt.toISOString(),
          'last reply': (entry.lastReply ?? '').slice(0, 60),
        })),
      );
    },
  },
  retry: {
    usage: 'retry QUEUE_ID | --all',
    options: { all: { type: 'boolean' } },
    async run(args, options) {
      await ensureMigrated();
      if (options.all) {
        expectArgs(args, 0, 'queue retry --all');
        console.log(`${await retryAll()} message(s) scheduled for delivery now`);
        return;
      }
      expectArgs(args, 1, 'queue retry QUEUE_ID | --all');
      await retryNow(args[0]!);
      console.log(`${args[0]} scheduled for delivery now`);
    },
  },
  delete: {
    usage: 'delete QUEUE_ID  (drops the message without a bounce)',
    async run(args) {
      expectArgs(args, 1, 'queue delete QUEUE_ID');
      await ensureMigrated();
      await deleteQueueEntry(args[0]!);
      console.log(`deleted ${args[0]}`);
    },
  },
  bounce: {
    usage: 'bounce QUEUE_ID  (gives up now and tells the sender)',
    async run(args) {
      expectArgs(args, 1, 'queue bounce QUEUE_ID');
      await ensureMigrated();
      await bounceNow(args[0]!);
      console.log(`bounced ${args[0]}`);
    },
  },
};
