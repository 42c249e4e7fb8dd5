// `postroom sieve`: the administrator's script that runs before every mailbox's own (for example
// spam-flagged mail into Junk), and a mailbox's scripts for support work (list, show, turn off).
// A script that does not compile is refused with each error's line and column (exit 2).
import { readFileSync } from 'node:fs';
import { getMailbox } from '../../domain';
import {
  activateSieveScript,
  getAdminSieveScript,
  getSieveScript,
  listSieveScripts,
  putAdminSieveScript,
  sieveStatus,
} from '../../rules';
import type { CompileResult } from '../../sieve';
import { expectArgs, type CommandGroup, UsageError } from '../command';
import { printTable, readStdin } from '../io';
import { ensureMigrated } from './system';

function readScript(path: string): Promise<string> | string {
  return path === '-' ? readStdin() : readFileSync(path, 'utf8');
}

function refuseErrors(result: CompileResult | null, what: string): void {
  if (!result || result.ok) return;
  const lines = result.errors.map(
    (error) => `  line ${error.line}, column ${error.column}: ${error.message}`,
  );
  throw new UsageError(`${what} does not compile:\n${lines.join('\n')}`);
}

export const sieveCommand: CommandGroup = {
  'admin-show': {
    usage: 'admin-show',
    async run(args) {
      expectArgs(args, 0, 'sieve admin-show');
      await ensureMigrated();
      const source = await getAdminSieveScript();
      if (source === null) console.log('(no administrator script)');
      else process.stdout.write(source.endsWith('\n') ? source : `${source}\n`);
    },
  },
  'admin-set': {
    usage: 'admin-set FILE|-',
    async run(args) {
      expectArgs(args, 1, 'sieve admin-set FILE|-');
      await ensureMigrated();
      const result = await putAdminSieveScript(await readScript(args[0]!));
      refuseErrors(result, 'the script');
      for (const warning of result?.ok ? result.warnings : [])
        console.error(`warning: line ${warning.line}, column ${warning.column}: ${warning.message}`);
      console.log('administrator script saved; it runs before every mailbox script from now on');
    },
  },
  'admin-clear': {
    usage: 'admin-clear',
    async run(args) {
      expectArgs(args, 0, 'sieve admin-clear');
      await ensureMigrated();
      await putAdminSieveScript(null);
      console.log('administrator script removed');
    },
  },
  list: {
    usage: 'list ADDRESS',
    async run(args) {
      expectArgs(args, 1, 'sieve list ADDRESS');
      await ensureMigrated();
      const mailbox = await getMailbox(args[0]!);
      const scripts = await listSieveScripts(mailbox.id);
      const status = await sieveStatus(mailbox.id);
      printTable(
        scripts.map((script) => ({
          script: script.name,
          active: script.active ? 'yes' : '',
          bytes: script.size,
          updated: script.updatedAt.toISOString(),
        })),
      );
      if (status.vacation) console.log('the active script sends vacation replies');
    },
  },
  show: {
    usage: 'show ADDRESS NAME',
    async run(args) {
      expectArgs(args, 2, 'sieve show ADDRESS NAME');
      await ensureMigrated();
      const mailbox = await getMailbox(args[0]!);
      const source = await getSieveScript(mailbox.id, args[1]!);
      if (source === null) throw new UsageError(`no script "${args[1]}" for ${mailbox.address}`);
      process.stdout.write(source.endsWith('\n') ? source : `${source}\n`);
    },
  },
  off: {
    usage: 'off ADDRESS',
    async run(args) {
      expectArgs(args, 1, 'sieve off ADDRESS');
      await ensureMigrated();
      const mailbox = await getMailbox(args[0]!);
      await activateSieveScript(mailbox.id, null);
      console.log(`filters of ${mailbox.address} turned off (its scripts are kept)`);
    },
  },
};
