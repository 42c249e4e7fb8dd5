// `postroom import ...`: accounts from another server's database, mail from Maildir, mbox or IMAP.
import {
  applyAccountImport,
  importFromImap,
  Progress,
  importMaildir,
  importMbox,
  planAccountImport,
  readSqlAccounts,
  type FileImportReport,
} from '../../migrate-in';
import { expectArgs, UsageError, type CommandGroup } from '../command';
import { readPasswordFromStdin } from '../io';
import { ensureMigrated } from './system';

export const importCommand: CommandGroup = {
  sql: {
    usage: 'sql URL [--dry-run]   (mysql://user:pass@host/db in the seed or PostfixAdmin schema)',
    options: { 'dry-run': { type: 'boolean' } },
    async run(args, options) {
      expectArgs(args, 1, 'import sql URL [--dry-run]');
      await ensureMigrated();
      const snapshot = await readSqlAccounts(args[0]!);
      const steps = await planAccountImport(snapshot);
      const needed = steps.filter((s) => s.needed);
      console.log(`source schema: ${snapshot.schema}`);
      for (const step of steps) console.log(`  ${step.needed ? 'create' : 'exists'}  ${step.text}`);
      for (const note of snapshot.notes) console.log(`  note    ${note}`);
      if (options['dry-run']) {
        console.log(`dry run: ${needed.length} to create, ${steps.length - needed.length} already here`);
        return;
      }
      const outcomes = await applyAccountImport(steps, ({ step, error }) =>
        console.log(error ? `  failed  ${step.text}: ${error}` : `  created ${step.text}`),
      );
      const failed = outcomes.filter((o) => o.error).length;
      console.log(
        `done: ${outcomes.length - failed} created, ${failed} failed, ${steps.length - needed.length} already here`,
      );
      if (failed) throw new Error(`${failed} step(s) failed`);
    },
  },
  maildir: {
    usage: 'maildir DIR --into ADDRESS   (a Maildir and its Maildir++ subfolders)',
    options: { into: { type: 'string' } },
    async run(args, options) {
      expectArgs(args, 1, 'import maildir DIR --into ADDRESS');
      if (!options.into) throw new UsageError('usage: postroom import maildir DIR --into ADDRESS');
      await ensureMigrated();
      printReport(await importMaildir(args[0]!, String(options.into)), String(options.into));
    },
  },
  mbox: {
    usage: 'mbox FILE --into ADDRESS [--folder F]',
    options: { into: { type: 'string' }, folder: { type: 'string' } },
    async run(args, options) {
      expectArgs(args, 1, 'import mbox FILE --into ADDRESS [--folder F]');
      if (!options.into) throw new UsageError('usage: postroom import mbox FILE --into ADDRESS [--folder F]');
      await ensureMigrated();
      const folder = options.folder ? String(options.folder) : 'INBOX';
      printReport(await importMbox(args[0]!, String(options.into), folder), String(options.into));
    },
  },
  imap: {
    usage:
      'imap --host HOST [--port 993] --user USER --password-stdin --into ADDRESS [--insecure]   (every folder; resumable)',
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      user: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      into: { type: 'string' },
      insecure: { type: 'boolean' },
    },
    async run(args, options) {
      const usage =
        'usage: postroom import imap --host HOST [--port 993] --user USER --password-stdin --into ADDRESS';
      if (args.length || !options.host || !options.user || !options.into || !options['password-stdin'])
        throw new UsageError(usage);
      const port = options.port ? Number(options.port) : 993;
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`bad --port\n${usage}`);
      await ensureMigrated();
      const password = await readPasswordFromStdin();
      const started = Date.now();
      const report = await importFromImap(
        {
          host: String(options.host),
          port,
          user: String(options.user),
          password,
          insecure: !!options.insecure,
        },
        String(options.into),
        new Progress(`${options.user}@${options.host}`),
      );
      const seconds = (Date.now() - started) / 1000;
      for (const folder of report.folders)
        console.log(`  ${folder.source} -> ${folder.target}: ${folder.added} new`);
      console.log(
        `imported ${report.added} message(s) (${report.bytes} bytes) into ${options.into} in ${seconds.toFixed(1)} s` +
          ` (${(report.added / Math.max(seconds, 0.001)).toFixed(0)} msg/s); ${report.skipped} already there`,
      );
    },
  },
};

function printReport(report: FileImportReport, address: string): void {
  console.log(
    `imported ${report.added} message(s) (${report.bytes} bytes) into ${address}: ${report.folders.join(', ')}; ${report.skipped} already there`,
  );
}
