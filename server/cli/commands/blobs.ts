import { migrateBlobs } from '../../store/blob-migrate';
import { parseBlobStoreKind } from '../../store/blob-store';
import { expectArgs, UsageError, type CommandGroup } from '../command';
import { ensureMigrated } from './system';

const MIGRATE_USAGE =
  'blobs migrate --to database|filesystem  (moves message content; servers may keep running)';

export const blobsCommand: CommandGroup = {
  migrate: {
    usage: MIGRATE_USAGE,
    options: { to: { type: 'string' } },
    async run(args, options) {
      expectArgs(args, 0, MIGRATE_USAGE);
      const to = parseBlobStoreKind(options.to as string | undefined);
      if (!to) throw new UsageError(`--to must be database or filesystem\nusage: postroom ${MIGRATE_USAGE}`);
      await ensureMigrated();
      const result = await migrateBlobs(to);
      console.log(
        `moved ${result.moved} message(s) (${result.bytes} bytes) to the ${to} store; new content goes there from now on`,
      );
      if (result.left > 0)
        console.log(
          `${result.left} arrived in the old store meanwhile (still readable): run the command again`,
        );
      for (const [hash, error] of result.failed) console.error(`not moved ${hash}: ${error}`);
      console.log(
        `set POSTROOM_BLOB_STORE=${to} in the environment too (the database setting wins meanwhile)`,
      );
      if (result.failed.size > 0) throw new Error(`${result.failed.size} message(s) could not be moved`);
    },
  },
};
