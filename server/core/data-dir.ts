// The data directory holds password hashes (SQLite), the event log and every message: nothing in it
// is for other local users. Files are created 0600 and directories 0700 (a umask set early in every
// process that writes there, plus explicit modes), and what an older version left readable is
// tightened once at start.
import { promises as fs, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Group and others get nothing on anything this process creates. */
export const PRIVATE_UMASK = 0o077;
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Sets the process umask; call before anything opens a file in the data directory. */
export function restrictNewFileModes(): void {
  // Worker threads and some runtimes cannot change the umask; the explicit modes still apply.
  try {
    process.umask(PRIVATE_UMASK);
  } catch {
    // not supported here
  }
}

/** Creates a directory (and parents) private to this user, whatever the umask. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Walks the data directory once and removes group/other permission bits from every directory and
 * regular file (symbolic links are left alone: chmod would follow them out of the tree). Returns
 * how many entries were tightened.
 */
export async function tightenDataDir(dataDir: string): Promise<number> {
  let tightened = 0;
  const visit = async (path: string): Promise<void> => {
    let stat: Awaited<ReturnType<typeof fs.lstat>>;
    try {
      stat = await fs.lstat(path);
    } catch {
      return; // removed meanwhile (a temporary file renamed, a blob collected)
    }
    if (stat.isSymbolicLink() || !(stat.isFile() || stat.isDirectory())) return;
    if ((stat.mode & PRIVATE_UMASK) !== 0) {
      try {
        await fs.chmod(path, stat.mode & 0o7700 & ~PRIVATE_UMASK);
        tightened++;
      } catch {
        // not ours to change (another owner): leave it, the count says what was done
      }
    }
    if (!stat.isDirectory()) return;
    let names: string[];
    try {
      names = await fs.readdir(path);
    } catch {
      return;
    }
    for (const name of names) await visit(join(path, name));
  };
  await visit(dataDir);
  return tightened;
}
