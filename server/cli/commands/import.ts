// `postroom import ...`: accounts from another server's database, mail from Maildir, mbox or IMAP.
import { applyAccountImport, planAccountImport, readSqlAccounts } from '../../migrate-in';
import { expectArgs, type CommandGroup } from '../command';
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
};
