// `postroom backup DIR`, `postroom backup --verify DIR` and `postroom restore DIR`.
import { parseArgs } from 'node:util';
import { backup, restore, RestoreRefused, stderrProgress, verifyBackup } from '../../backup';
import { config } from '../../core/config';
import { UsageError } from '../command';

export const BACKUP_USAGE = 'backup [--verify] DIR';
export const RESTORE_USAGE = 'restore DIR';

function instance() {
  const { databaseUrl, dataDir, hostname } = config();
  return { databaseUrl, dataDir, hostname };
}

function parse(argv: string[], usage: string, options: { verify?: { type: 'boolean' } } = {}) {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    if (parsed.positionals.length !== 1) throw new Error('expected one directory');
    return { dir: parsed.positionals[0]!, verify: Boolean((parsed.values as { verify?: boolean }).verify) };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nusage: postroom ${usage}`);
  }
}

export async function backupCommand(argv: string[]): Promise<number> {
  const { dir, verify } = parse(argv, BACKUP_USAGE, { verify: { type: 'boolean' } });
  if (verify) {
    const result = await verifyBackup(dir, stderrProgress);
    for (const problem of result.problems) console.error(`postroom: ${problem}`);
    if (result.problems.length) {
      console.error(`postroom: backup ${result.dir} is NOT sound (${result.problems.length} problem(s))`);
      return 1;
    }
    console.log(
      `backup ${result.dir} is sound: database and ${result.blobsChecked} message file(s) match their checksums`,
    );
    return 0;
  }
  const result = await backup(dir, instance(), stderrProgress);
  const { manifest } = result;
  console.log(
    `backup written to ${result.dir} in ${result.seconds.toFixed(1)} s: ${manifest.tables.messages ?? 0} message row(s), ${manifest.blobs.length} message file(s) (${manifest.blobsLinked} unchanged since the previous backup; ${manifest.blobsFromDatabase ?? 0} held in the database)`,
  );
  return 0;
}

export async function restoreCommand(argv: string[]): Promise<number> {
  const { dir } = parse(argv, RESTORE_USAGE);
  try {
    const result = await restore(dir, instance(), stderrProgress);
    console.log(
      `restored ${result.dir} in ${result.seconds.toFixed(1)} s: ${result.manifest.tables.messages ?? 0} message row(s), ${result.manifest.blobs.length} message(s) of content into the ${result.blobStore === 'database' ? 'database' : 'data directory'}`,
    );
    return 0;
  } catch (error) {
    if (error instanceof RestoreRefused) {
      console.error(`postroom: ${error.message}`);
      return 2;
    }
    throw error;
  }
}
