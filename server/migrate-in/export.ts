// Mail out of a mailbox: one folder as an mbox (mboxrd: From_ line with the internal date,
// ">From " quoting, Status/X-Status/X-Keywords carrying the flags) or every folder as a Maildir++
// tree (flags in the `:2,` info, keywords in dovecot-keywords, the internal date as mtime). The
// CLI writes files; the webmail streams the same mbox bytes.
import { mkdir, open, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { db } from '../core/db';
import { DELIMITER, findFolder, listFolders, readBlobOfSize } from '../store';

interface StoredMessage {
  uid: number;
  seen: boolean;
  answered: boolean;
  flagged: boolean;
  deleted: boolean;
  draft: boolean;
  keywords: string;
  internalDate: Date;
  size: number;
  blobSha256: string;
}

const PAGE = 500;

/** The folder's messages in UID order, a page at a time, with their content. */
async function* folderMessages(folderId: number): AsyncGenerator<{ row: StoredMessage; raw: Buffer }> {
  let after = 0;
  for (;;) {
    const rows: StoredMessage[] = await db().message.findMany({
      where: { folderId, uid: { gt: after } },
      orderBy: { uid: 'asc' },
      take: PAGE,
      select: {
        uid: true,
        seen: true,
        answered: true,
        flagged: true,
        deleted: true,
        draft: true,
        keywords: true,
        internalDate: true,
        size: true,
        blobSha256: true,
      },
    });
    for (const row of rows) yield { row, raw: await readBlobOfSize(row.blobSha256, row.size) };
    if (rows.length < PAGE) return;
    after = rows.at(-1)!.uid;
  }
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** asctime in UTC, as the From_ line carries it. */
export function asctime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, ' ')} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${date.getUTCFullYear()}`;
}

/** One stored message as an mbox entry (LF line ends). */
export function mboxEntry(row: StoredMessage, raw: Buffer): Buffer {
  const text = raw.toString('latin1').replace(/\r\n/g, '\n');
  const split = text.indexOf('\n\n');
  const head = split >= 0 ? text.slice(0, split + 1) : `${text.replace(/\n?$/, '\n')}`;
  const body = split >= 0 ? text.slice(split + 2) : '';
  const xStatus = `${row.answered ? 'A' : ''}${row.flagged ? 'F' : ''}${row.draft ? 'T' : ''}${row.deleted ? 'D' : ''}`;
  const status = [`Status: ${row.seen ? 'RO' : 'O'}\n`];
  if (xStatus) status.push(`X-Status: ${xStatus}\n`);
  if (row.keywords.trim()) status.push(`X-Keywords: ${row.keywords.trim()}\n`);
  const quoted = `${head}${status.join('')}\n${body}`.replace(/^(>*From )/gm, '>$1');
  return Buffer.from(
    `From MAILER-DAEMON ${asctime(row.internalDate)}\n${quoted}${quoted.endsWith('\n') ? '' : '\n'}\n`,
    'latin1',
  );
}

export async function resolveFolder(userId: number, name: string): Promise<number> {
  const folder = await findFolder(userId, name);
  if (!folder) throw new Error(`no folder "${name}"`);
  return folder.id;
}

/** A folder as mbox bytes, a message at a time (for a download or a file). */
export async function* mboxChunks(folderId: number): AsyncGenerator<Buffer> {
  for await (const { row, raw } of folderMessages(folderId)) yield mboxEntry(row, raw);
}

/** Writes one folder to an mbox file and fsyncs it; returns the number of messages. */
export async function exportMbox(userId: number, folderName: string, path: string): Promise<number> {
  const folderId = await resolveFolder(userId, folderName);
  const file = await open(path, 'w', 0o600);
  let count = 0;
  try {
    for await (const chunk of mboxChunks(folderId)) {
      await file.write(chunk);
      count++;
    }
    await file.sync();
  } finally {
    await file.close();
  }
  return count;
}

function maildirInfo(row: StoredMessage, letters: Map<string, string>): string {
  const keywordLetters = row.keywords
    .split(' ')
    .filter(Boolean)
    .map((k) => letters.get(k))
    .filter((c): c is string => Boolean(c));
  const system = `${row.draft ? 'D' : ''}${row.flagged ? 'F' : ''}${row.answered ? 'R' : ''}${row.seen ? 'S' : ''}${row.deleted ? 'T' : ''}`;
  return `:2,${system}${[...new Set(keywordLetters)].sort().join('')}`;
}

/**
 * Writes every folder as Maildir++ under `root` (INBOX at the root, "Lists/work" as .Lists.work).
 * A message already exported (same folder UIDVALIDITY and UID in the file name) is left alone.
 */
export async function exportMaildir(
  userId: number,
  root: string,
): Promise<{ folders: number; messages: number }> {
  let messages = 0;
  const folders = await listFolders(userId);
  for (const folder of folders) {
    const state = await findFolder(userId, folder.name);
    if (!state) continue;
    const dir = folder.name === 'INBOX' ? root : join(root, `.${folder.name.split(DELIMITER).join('.')}`);
    for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(dir, sub), { recursive: true, mode: 0o700 });
    const done = new Set((await readdir(join(dir, 'cur'))).map((name) => name.split(':')[0]));
    const letters = new Map<string, string>();
    const host = 'postroom';
    for await (const { row, raw } of folderMessages(state.id)) {
      for (const word of row.keywords.split(' ').filter(Boolean))
        if (!letters.has(word) && letters.size < 26)
          letters.set(word, String.fromCharCode(97 + letters.size));
      const content = Buffer.from(raw.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
      const base = `${Math.floor(row.internalDate.getTime() / 1000)}.V${state.uidValidity}U${row.uid}.${host},S=${content.length}`;
      if (done.has(base)) continue;
      const path = join(dir, 'cur', `${base}${maildirInfo(row, letters)}`);
      const file = await open(path, 'wx', 0o600);
      try {
        await file.write(content);
        await file.sync();
      } finally {
        await file.close();
      }
      await utimes(path, row.internalDate, row.internalDate);
      messages++;
    }
    if (letters.size)
      await writeFile(
        join(dir, 'dovecot-keywords'),
        [...letters].map(([word, letter]) => `${letter.charCodeAt(0) - 97} ${word}\n`).join(''),
      );
  }
  return { folders: folders.length, messages };
}
