// Maildir (and Maildir++ subfolders such as `.Sent` and `.Lists.work`), as Dovecot, Courier and
// Postfix's virtual delivery leave them: flags from the `:2,` info (D draft, F flagged, R replied,
// S seen, T trashed; a-z are Dovecot keywords listed in dovecot-keywords), the internal date from
// the file's modification time.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SystemFlags } from '../store';
import { folderPath, type IncomingMessage } from './message-sink';

export interface MaildirFolder {
  /** Our folder name ('INBOX', 'Sent', 'Lists/work'). */
  name: string;
  dir: string;
}

async function isMaildir(dir: string): Promise<boolean> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries.includes('cur') || entries.includes('new');
}

/** The Maildir at `root` and its Maildir++ subfolders. */
export async function listMaildirFolders(root: string): Promise<MaildirFolder[]> {
  if (!(await isMaildir(root))) throw new Error(`${root} is not a Maildir (no cur/ or new/)`);
  const folders: MaildirFolder[] = [{ name: 'INBOX', dir: root }];
  for (const entry of (await readdir(root, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (!entry.isDirectory() || !entry.name.startsWith('.') || entry.name === '.' || entry.name === '..')
      continue;
    const dir = join(root, entry.name);
    if (await isMaildir(dir)) folders.push({ name: folderPath(entry.name.slice(1).split('.')), dir });
  }
  return folders;
}

/** Dovecot's dovecot-keywords: "0 $Label1" lines, letter a is keyword 0. */
async function readKeywordNames(dir: string): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const text = await readFile(join(dir, 'dovecot-keywords'), 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const match = /^(\d+) (\S+)/.exec(line);
    if (match && Number(match[1]) < 26) names.set(String.fromCharCode(97 + Number(match[1])), match[2]!);
  }
  return names;
}

export function parseMaildirInfo(
  fileName: string,
  keywordNames: Map<string, string> = new Map(),
): { flags: SystemFlags; keywords: string[] } {
  const info = /[:!]2,([^/]*)$/.exec(fileName)?.[1] ?? '';
  const keywords = [...info]
    .filter((c) => c >= 'a' && c <= 'z')
    .map((c) => keywordNames.get(c) ?? '')
    .filter(Boolean);
  return {
    flags: {
      draft: info.includes('D'),
      flagged: info.includes('F'),
      answered: info.includes('R'),
      seen: info.includes('S'),
      deleted: info.includes('T'),
    },
    keywords,
  };
}

/** The messages of one Maildir folder, oldest first. */
export async function* readMaildirFolder(dir: string): AsyncGenerator<IncomingMessage> {
  const keywordNames = await readKeywordNames(dir);
  const files: { path: string; name: string; mtime: Date }[] = [];
  for (const sub of ['cur', 'new']) {
    const names = await readdir(join(dir, sub)).catch(() => [] as string[]);
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const path = join(dir, sub, name);
      const info = await stat(path).catch(() => null);
      if (info?.isFile()) files.push({ path, name, mtime: info.mtime });
    }
  }
  files.sort((a, b) => a.mtime.getTime() - b.mtime.getTime() || a.name.localeCompare(b.name));
  for (const file of files)
    yield {
      raw: await readFile(file.path),
      ...parseMaildirInfo(file.name, keywordNames),
      internalDate: file.mtime,
    };
}
