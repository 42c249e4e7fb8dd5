// `postroom backup --verify DIR`: reads a backup back in full. Every file must match the
// manifest's size and SHA-256 (a message file its own name), the database copy must open and
// hold the rows the manifest counted, and every message file its rows refer to must be there.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { eachLimited, hashFile } from './files';
import { backupBlobPath, readManifest, resolveBackup, type FileEntry, type Manifest } from './manifest';
import { inspectMysqlDump } from './mysql';
import { progress, type ProgressSink } from './progress';
import type { SnapshotInfo } from './snapshot-info';
import { inspectSqliteFile } from './sqlite';

export interface VerifyResult {
  dir: string;
  manifest?: Manifest;
  problems: string[];
  blobsChecked: number;
}

const PROBLEMS_SHOWN = 50;

async function checkFile(dir: string, entry: FileEntry, problems: string[]): Promise<boolean> {
  const path = join(dir, entry.path);
  if (!existsSync(path)) {
    problems.push(`${entry.path}: missing`);
    return false;
  }
  const actual = await hashFile(path);
  if (actual.size !== entry.size || actual.sha256 !== entry.sha256) {
    problems.push(
      `${entry.path}: checksum mismatch (expected ${entry.sha256}, ${entry.size} bytes; found ${actual.sha256}, ${actual.size} bytes)`,
    );
    return false;
  }
  return true;
}

export async function verifyBackup(target: string, onProgress?: ProgressSink): Promise<VerifyResult> {
  const dir = resolveBackup(target);
  const problems: string[] = [];
  let manifest: Manifest;
  try {
    manifest = readManifest(dir);
  } catch (error) {
    return { dir, problems: [(error as Error).message], blobsChecked: 0 };
  }
  const report = progress(onProgress);

  if (await checkFile(dir, manifest.database, problems)) {
    let info: SnapshotInfo | undefined;
    try {
      const path = join(dir, manifest.database.path);
      info = manifest.provider === 'sqlite' ? inspectSqliteFile(path) : await inspectMysqlDump(path);
    } catch (error) {
      problems.push(`${manifest.database.path}: cannot be read (${(error as Error).message})`);
    }
    if (info) {
      for (const [table, rows] of Object.entries(manifest.tables))
        if (info.tables[table] !== rows)
          problems.push(
            `${manifest.database.path}: table ${table} has ${info.tables[table] ?? 0} rows, the manifest says ${rows}`,
          );
      const listed = new Set(manifest.blobs.map(([hash]) => hash));
      for (const hash of info.referenced)
        if (!listed.has(hash))
          problems.push(`message file ${hash} is referenced by the database but not in the backup`);
    }
  }
  for (const entry of manifest.files) await checkFile(dir, entry, problems);

  report.phase('message files checked', manifest.blobs.length);
  await eachLimited(manifest.blobs, 4, async ([hash, size]) => {
    const path = backupBlobPath(dir, hash);
    if (!existsSync(path)) problems.push(`message file ${hash}: missing`);
    else if (statSync(path).size !== size)
      problems.push(`message file ${hash}: ${statSync(path).size} bytes, expected ${size}`);
    else {
      const actual = await hashFile(path);
      if (actual.sha256 !== hash) problems.push(`message file ${hash}: content hashes to ${actual.sha256}`);
    }
    report.tick(size);
  });
  report.done(problems.length ? `${problems.length} problem(s)` : 'all good');
  if (problems.length > PROBLEMS_SHOWN)
    problems.splice(PROBLEMS_SHOWN, problems.length, `… and ${problems.length - PROBLEMS_SHOWN} more`);
  return { dir, manifest, problems, blobsChecked: manifest.blobs.length };
}
