// File work shared by backup, restore and verify: walking the live blob tree, copying a file
// while checking it against its name's checksum, a bounded number of copies in flight, and one
// filesystem-wide flush at the end instead of an fsync per file.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, createReadStream, type Dirent } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import { createWriteStream } from 'node:fs';

const HASH = /^[0-9a-f]{64}$/;
const HEX2 = /^[0-9a-f]{2}$/;

/** Every message file in a blob tree (blobs/ab/cd/<sha256>), skipping the spool and temporaries. */
export async function listBlobFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const dirs = async (path: string): Promise<string[]> => {
    try {
      return (await fs.readdir(path, { withFileTypes: true }))
        .filter((entry: Dirent) => entry.isDirectory() && HEX2.test(entry.name))
        .map((entry) => entry.name);
    } catch {
      return [];
    }
  };
  for (const a of await dirs(root))
    for (const b of await dirs(join(root, a))) {
      const names = await fs.readdir(join(root, a, b)).catch(() => [] as string[]);
      for (const name of names) if (HASH.test(name)) found.push(name);
    }
  return found;
}

/**
 * Copies `from` to `to` (directories made as needed), hashing what is read, and returns the
 * size and hex SHA-256 of what was copied. The copy goes to a temporary name first so a cut-short run leaves no
 * half file under the real name.
 */
export async function copyHashed(from: string, to: string): Promise<{ size: number; sha256: string }> {
  const dir = dirname(to);
  if (!madeDirs.has(dir)) {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    madeDirs.add(dir);
  }
  const temp = `${to}.part`;
  try {
    const { size } = await fs.stat(from);
    let sha256: string;
    if (size <= WHOLE_READ_BYTES) {
      // Most messages: one read and one write beat a stream's many small steps.
      const content = await fs.readFile(from);
      sha256 = createHash('sha256').update(content).digest('hex');
      await fs.writeFile(temp, content, { mode: 0o600 });
    } else {
      const hash = createHash('sha256');
      const tap = new PassThrough();
      tap.on('data', (chunk: Buffer) => hash.update(chunk));
      await pipeline(createReadStream(from), tap, createWriteStream(temp, { mode: 0o600 }));
      sha256 = hash.digest('hex');
    }
    await fs.rename(temp, to);
    return { size, sha256 };
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

const WHOLE_READ_BYTES = 1024 * 1024;
/** Directories this process has made already (a blob tree has 65,536 at most). */
const madeDirs = new Set<string>();

/** Size and hex SHA-256 of a file, read as a stream. */
export async function hashFile(path: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Runs `work` on every item with at most `limit` in flight; the first failure stops the rest. */
export async function eachLimited<T>(
  items: Iterable<T>,
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const iterator = items[Symbol.iterator]();
  let failed: unknown;
  const lane = async () => {
    for (let next = iterator.next(); !next.done && failed === undefined; next = iterator.next()) {
      try {
        await work(next.value);
      } catch (error) {
        failed ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
  if (failed !== undefined) throw failed;
}

/** Flushes the filesystem holding `path` (syncfs via coreutils `sync -f`): one call for many files. */
export function flushFilesystem(path: string): void {
  execFileSync('sync', ['-f', path]);
}

/** Regular files under `dir`, relative to it (for the data directory's tls/ and acme/). */
export async function listFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string) => {
    const entries = await fs.readdir(join(dir, rel), { withFileTypes: true }).catch(() => [] as Dirent[]);
    for (const entry of entries) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await visit(path);
      else if (entry.isFile()) out.push(path);
    }
  };
  await visit('');
  return out.sort();
}
