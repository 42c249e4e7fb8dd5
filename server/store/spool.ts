// Message content received straight to disk instead of into memory (SMTP DATA, large IMAP APPEND
// literals). A spool file lives in the blob store's tmp/ directory (same filesystem, so it can be
// hard-linked into place; the maintenance sweep removes ones a crash left behind, blobs.ts).
//
// A blob written this way is hashed while it is written, fsynced, and linked under its SHA-256,
// and the directory is fsynced, before any row points at it (the rule of blobs.ts). The spool name
// is kept until the rows are committed: if the collector removed a then unreferenced file of the
// same content meanwhile, ensurePlaced() links it again from there without holding it in memory.
//
// Writes into the page cache, links, closes and unlinks are made synchronously: each takes
// microseconds, while through the thread pool (fs.promises) each cost 25-60 us of CPU for the
// hand-off and wake-up, and a delivered message makes about ten of them (bench/smtp.ts, one message
// per connection). Creating the spool file and its directories goes through the thread pool, as
// fsync does (openFile in blobs.ts says why).
import { createHash, randomBytes, type Hash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  linkSync,
  promises as fs,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { config } from '../core/config';
import { uniqueHex } from '../core/unique-hex';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../core/data-dir';
import { blobPath, blobRoot, fsyncDir, fsyncFd, makeDirectory, openFile } from './blobs';
import { activeBlobStore, blobExists } from './blob-store';
import { putDbBlobFile } from './blob-store-db';

/** Ends with the suffix sweepStaleTempFiles (blobs.ts) looks for. */
const SPOOL_SUFFIX = '.tmp';

export function spoolDir(dataDir = config().dataDir): string {
  return join(blobRoot(dataDir), 'tmp');
}

/** unlink, where a name already gone is no error (fs.rm's force, without its lstat first). */
function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (!isCode(error, 'ENOENT')) throw error;
  }
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return codes.includes((error as NodeJS.ErrnoException | null)?.code ?? '');
}

/** A spool file that is not a blob (yet): SMTP DATA as received, before the trace headers. */
export interface SpoolFile {
  path: string;
  size: number;
  /** The whole content, when it was small enough to be kept in memory instead (no file then). */
  bytes?: Buffer;
  remove(): Promise<void>;
}

/** Writes one spool file; hashes what it writes, so it can become a blob without a second read. */
export class SpoolWriter {
  private readonly hash: Hash = createHash('sha256');
  private written = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly dataDir: string,
  ) {}

  static async open(dataDir = config().dataDir): Promise<SpoolWriter> {
    const dir = spoolDir(dataDir);
    const path = join(dir, `${process.pid}.${uniqueHex(8)}${SPOOL_SUFFIX}`);
    // The directory is made when a file cannot be created without it, not before every file.
    let fd: number;
    try {
      fd = await openFile(path, 'wx', PRIVATE_FILE_MODE);
    } catch (error) {
      if (!isCode(error, 'ENOENT')) throw error;
      await makeDirectory(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
      fd = await openFile(path, 'wx', PRIVATE_FILE_MODE);
    }
    return new SpoolWriter(path, fd, dataDir);
  }

  get size(): number {
    return this.written;
  }

  async write(bytes: Buffer): Promise<void> {
    if (bytes.length === 0) return;
    this.hash.update(bytes);
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(this.fd, bytes, offset, bytes.length - offset);
    this.written += bytes.length;
  }

  /** Appends `path`[start, end) by streaming it (a copy costs disk bandwidth, not memory). */
  async copyFrom(path: string, start: number, end: number): Promise<void> {
    if (end <= start) return;
    const writer = this;
    await pipeline(
      createReadStream(path, { start, end: end - 1, highWaterMark: 256 * 1024 }),
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          writer.write(chunk).then(() => done(), done);
        },
      }),
    );
  }

  /** Closes the file as an intermediate (not fsynced: it is never what a reply promises). */
  async finishFile(): Promise<SpoolFile> {
    await this.close();
    const path = this.path;
    return { path, size: this.written, remove: async () => removeFile(path) };
  }

  /** fsyncs the content and places it under its SHA-256 (see the file comment). */
  async finishBlob(): Promise<SpooledBlob> {
    try {
      await fsyncFd(this.fd);
      await this.close();
      const blob = new SpooledBlob(this.hash.digest('hex'), this.written, this.path, this.dataDir);
      await blob.ensurePlaced();
      return blob;
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  /** fsyncs the content and checks it hashes to `expected`, without placing it (blob-migrate.ts). */
  async finishChecked(expected: string): Promise<SpooledBlob> {
    try {
      await fsyncFd(this.fd);
      await this.close();
      const hash = this.hash.digest('hex');
      if (hash !== expected) throw new Error(`content hashes to ${hash}, not ${expected}: not moved`);
      return new SpooledBlob(hash, this.written, this.path, this.dataDir);
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  /** Closes and removes the file (a dropped connection, a refused message, a failed write). */
  async abort(): Promise<void> {
    await this.close().catch(() => {});
    try {
      removeFile(this.path);
    } catch {
      // left for the maintenance sweep
    }
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/** Content already fsynced and in place as a blob; its spool name is kept until discard(). */
export class SpooledBlob {
  private discarded = false;
  private linkTried = false;

  constructor(
    readonly hash: string,
    readonly size: number,
    /** The spool file: the same inode as the blob, until discarded. */
    readonly path: string,
    private readonly dataDir: string,
  ) {}

  /** Makes sure the blob exists (again) in the active store, from the spool file, durably. */
  async ensurePlaced(): Promise<void> {
    if ((await activeBlobStore()) === 'database') {
      if (await blobExists(this.hash, this.size)) return;
      if (this.discarded) throw new Error(`blob ${this.hash} is gone and its spool file was discarded`);
      await putDbBlobFile(this.hash, this.size, this.path);
      return;
    }
    await this.placeFile();
  }

  /** The filesystem store: the blob file linked from the spool file, its directory fsynced. */
  async placeFile(): Promise<void> {
    const target = blobPath(this.hash, this.dataDir);
    if (!this.linkTried && !this.discarded) {
      // First placement: link at once (new content, nearly always); the checks below only when
      // the name is taken or its directory is missing.
      this.linkTried = true;
      try {
        linkSync(this.path, target);
        await fsyncDir(dirname(target));
        return;
      } catch (error) {
        if (!isCode(error, 'EEXIST', 'ENOENT', 'EPERM', 'ENOTSUP', 'EXDEV', 'EMLINK')) throw error;
      }
    }
    const existing = statSync(target, { throwIfNoEntry: false });
    if (existing?.size === this.size) return;
    if (this.discarded) throw new Error(`blob ${this.hash} is gone and its spool file was discarded`);
    const dir = dirname(target);
    await makeDirectory(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    if (existing) removeFile(target); // a torn copy of another size
    try {
      linkSync(this.path, target);
    } catch (error) {
      if (isCode(error, 'EEXIST')) return; // another writer placed the same content meanwhile
      if (!isCode(error, 'EPERM', 'ENOTSUP', 'EXDEV', 'EMLINK')) throw error;
      // A filesystem without hard links: copy, fsync, rename (as writeBlob does).
      const temp = `${target}.${process.pid}.${randomBytes(6).toString('hex')}${SPOOL_SUFFIX}`;
      try {
        await fs.copyFile(this.path, temp);
        const handle = await fs.open(temp, 'r+');
        await handle.sync().finally(() => handle.close());
        await fs.rename(temp, target);
      } catch (copyError) {
        await fs.rm(temp, { force: true }).catch(() => {});
        throw copyError;
      }
    }
    await fsyncDir(dir);
  }

  /** Reads the content back as one Buffer (only for paths that still need one, bounded by the caller). */
  read(): Promise<Buffer> {
    return fs.readFile(this.path);
  }

  /** Drops the spool name; the blob stays as long as rows reference it. */
  async discard(): Promise<void> {
    if (this.discarded) return;
    this.discarded = true;
    try {
      removeFile(this.path);
    } catch {
      // left for the maintenance sweep
    }
  }
}
