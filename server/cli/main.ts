// `postroom` — everything an admin scripts. Exit codes: 0 done, 1 failure, 2 bad input or usage.
import { parseArgs } from 'node:util';
import { FieldError, NotFoundError, ForbiddenError } from '../domain/errors';
import { closeDb } from '../core/db';
import { flushLog } from '../core/logger';
import { restrictNewFileModes } from '../core/data-dir';
import { domainCommand } from './commands/domain';
import { userCommand } from './commands/user';
import { aliasCommand } from './commands/alias';
import { accessCommand } from './commands/access';
import { queueCommand } from './commands/queue';
import { importCommand } from './commands/import';
import { EXPORT_USAGE, exportCommand } from './commands/export';
import { migrateCommand, startCommand } from './commands/system';
import { BACKUP_USAGE, RESTORE_USAGE, backupCommand, restoreCommand } from './commands/backup';
import { acmeCommand } from './commands/acme';
import { blobsCommand } from './commands/blobs';
import { sieveCommand } from './commands/sieve';
import { UsageError, type CommandGroup, type Options } from './command';

const GROUPS: Record<string, CommandGroup> = {
  domain: domainCommand,
  user: userCommand,
  alias: aliasCommand,
  access: accessCommand,
  queue: queueCommand,
  acme: acmeCommand,
  import: importCommand,
  blobs: blobsCommand,
  sieve: sieveCommand,
};

function help(): string {
  const lines = ['Usage: postroom <command> [options]', '', 'Commands:'];
  for (const [name, group] of Object.entries(GROUPS))
    for (const command of Object.values(group)) lines.push(`  postroom ${name} ${command.usage}`);
  lines.push(
    `  postroom ${BACKUP_USAGE}`,
    `  postroom ${RESTORE_USAGE}`,
    `  postroom ${EXPORT_USAGE}`,
    '  postroom migrate',
    '  postroom start',
    '',
    'Add --help to any command for its options. Configuration comes from the environment (see README).',
  );
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  // Everything the CLI creates (the SQLite database on migrate, the supervisor's children) is private.
  restrictNewFileModes();
  const [group, sub, ...rest] = argv;
  try {
    if (!group || group === '--help' || group === '-h' || group === 'help') {
      console.log(help());
      return group ? 0 : 2;
    }
    if (group === 'migrate') return await migrateCommand();
    if (group === 'start') return await startCommand();
    if (group === 'export') return await exportCommand(argv.slice(1));
    if (group === 'backup') return await backupCommand(argv.slice(1));
    if (group === 'restore') return await restoreCommand(argv.slice(1));
    const commands = GROUPS[group];
    if (!commands) throw new UsageError(`unknown command "${group}"`);
    const command = sub ? commands[sub] : undefined;
    if (!command)
      throw new UsageError(
        `usage:\n${Object.values(commands)
          .map((c) => `  postroom ${group} ${c.usage}`)
          .join('\n')}`,
      );
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(`usage: postroom ${group} ${command.usage}`);
      return 0;
    }
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        options: command.options ?? {},
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw new UsageError(`${(error as Error).message}\nusage: postroom ${group} ${command.usage}`);
    }
    await command.run(parsed.positionals, parsed.values as Options);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`postroom: ${error.message}`);
      return 2;
    }
    if (error instanceof FieldError) {
      console.error(`postroom: ${error.message}`);
      return 2;
    }
    if (error instanceof NotFoundError || error instanceof ForbiddenError) {
      console.error(`postroom: ${error.message}`);
      return 1;
    }
    console.error(`postroom: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await closeDb();
    flushLog(); // the lines of this command before the caller sees its end (tests run it in a thread)
  }
}

/** Throws a usage error unless exactly `count` positional arguments were given. */
