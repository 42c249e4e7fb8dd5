// "Has any connection committed to this SQLite database since I last looked?", asked on every
// SELECT (raw.ts readCached). SQLite's own answer, PRAGMA data_version, opens a read transaction
// and costs tens of microseconds once the CPU caches are cold (after a large FETCH, bench/imap.ts).
// The WAL-index header at the start of the database's "-shm" file (sqlite.org/walformat.html,
// section 2.1) is rewritten by every commit of every connection in every process (its change
// counter, frame count and salts move), and reading its 48 bytes is one pread. The caller keeps
// its reader connection open, so SQLite keeps that file for as long as this descriptor is used.
import { closeSync, openSync, readSync } from 'node:fs';

const HEADER_BYTES = 48;

export interface CommitSignal {
  /** A value that differs from the previous one whenever a commit happened in between. */
  read(): string | number;
  close(): void;
}

/** `fallback` (PRAGMA data_version) answers when the WAL-index file cannot be read. */
export function commitSignal(databaseFile: string, fallback: () => number): CommitSignal {
  let fd: number | null = null;
  try {
    fd = openSync(`${databaseFile}-shm`, 'r');
  } catch {
    fd = null;
  }
  const header = Buffer.alloc(HEADER_BYTES);
  return {
    read() {
      if (fd === null || readSync(fd, header, 0, HEADER_BYTES, 0) !== HEADER_BYTES) return fallback();
      return header.toString('latin1');
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}
