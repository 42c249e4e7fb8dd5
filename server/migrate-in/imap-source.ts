// Copies every folder of an account on another IMAP server into a mailbox here, with flags,
// keywords and internal dates (imapflow as the client). Resumable: per source folder the
// UIDVALIDITY and the highest UID committed are kept in imap_import_states, so a second run
// fetches only what is new; a changed UIDVALIDITY starts the folder over, and the sink's
// Message-ID + date + size check keeps that from copying anything twice.
import { isIP } from 'node:net';
import { ImapFlow, type ListResponse } from 'imapflow';
import { db } from '../core/db';
import { DELIMITER } from '../store';
import { MessageSink, type SinkCounts } from './message-sink';
import type { Progress } from './progress';

export interface ImapSource {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Accept a certificate that does not verify (a self-signed test server). */
  insecure?: boolean;
  /** TLS from the first byte or STARTTLS after connecting; by default STARTTLS on port 143 only. */
  tls?: 'implicit' | 'starttls';
}

export interface ImapImportReport extends SinkCounts {
  folders: { source: string; target: string; added: number }[];
}

/** A special-use source folder goes to ours of the same use, whatever it is called there. */
const SPECIAL_TARGETS: Record<string, string> = {
  '\\Sent': 'Sent',
  '\\Drafts': 'Drafts',
  '\\Trash': 'Trash',
  '\\Junk': 'Junk',
  '\\Archive': 'Archive',
};

const SYSTEM_FLAGS = new Set(['\\seen', '\\answered', '\\flagged', '\\deleted', '\\draft', '\\recent']);
const RANGE = 500;
/** A fetched range is held in memory until stored: bounded by bytes too (large attachments). */
const RANGE_BYTES = 32 * 1024 * 1024;

/** Splits the UIDs to copy into fetches of at most RANGE messages and about RANGE_BYTES. */
export function ranges(todo: { uid: number; size: number }[]): { uid: number; size: number }[][] {
  const out: { uid: number; size: number }[][] = [];
  let current: { uid: number; size: number }[] = [];
  let bytes = 0;
  for (const item of todo) {
    if (current.length && (current.length >= RANGE || bytes + item.size > RANGE_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.size;
  }
  if (current.length) out.push(current);
  return out;
}

export function targetFolder(folder: Pick<ListResponse, 'path' | 'delimiter' | 'specialUse'>): string {
  if (folder.path.toUpperCase() === 'INBOX') return 'INBOX';
  if (folder.specialUse && SPECIAL_TARGETS[folder.specialUse]) return SPECIAL_TARGETS[folder.specialUse]!;
  return folder.delimiter ? folder.path.split(folder.delimiter).join(DELIMITER) : folder.path;
}

function client(source: ImapSource): ImapFlow {
  const starttls = source.tls ? source.tls === 'starttls' : source.port === 143;
  return new ImapFlow({
    host: source.host,
    port: source.port,
    secure: !starttls,
    doSTARTTLS: starttls ? true : undefined,
    // SNI takes a host name only (RFC 6066), never an address.
    tls: { rejectUnauthorized: !source.insecure, ...(isIP(source.host) ? {} : { servername: source.host }) },
    auth: { user: source.user, pass: source.password },
    logger: false,
    disableAutoIdle: true,
  });
}

interface FolderPlan {
  folder: ListResponse;
  target: string;
  uidValidity: bigint;
  /** UIDs still to copy with their sizes, ascending. */
  todo: { uid: number; size: number }[];
}

export async function importFromImap(
  source: ImapSource,
  address: string,
  progress?: Progress,
): Promise<ImapImportReport> {
  const sink = await MessageSink.open(address);
  const sourceKey = `${source.user}@${source.host}:${source.port}`;
  const imap = client(source);
  await imap.connect();
  try {
    // First pass: what is there to copy (sizes only), so the progress knows the totals.
    const plans: FolderPlan[] = [];
    for (const folder of await imap.list()) {
      if (folder.flags.has('\\Noselect') || folder.flags.has('\\NonExistent')) continue;
      const opened = await imap.mailboxOpen(folder.path, { readOnly: true });
      const state = await db().imapImportState.findUnique({
        where: { userId_source_folder: { userId: sink.userId, source: sourceKey, folder: folder.path } },
      });
      const from = state && state.uidValidity === opened.uidValidity ? Number(state.lastUid) : 0;
      const todo: { uid: number; size: number }[] = [];
      if (opened.exists > 0)
        for await (const m of imap.fetch(`${from + 1}:*`, { uid: true, size: true }, { uid: true }))
          if (m.uid > from) todo.push({ uid: m.uid, size: m.size ?? 0 });
      todo.sort((a, b) => a.uid - b.uid);
      plans.push({ folder, target: targetFolder(folder), uidValidity: opened.uidValidity, todo });
    }
    if (progress) {
      progress.totalMessages = plans.reduce((n, p) => n + p.todo.length, 0);
      progress.totalBytes = plans.reduce((n, p) => n + p.todo.reduce((b, m) => b + m.size, 0), 0);
      progress.totalFolders = plans.length;
      progress.update(true);
    }
    const folders: ImapImportReport['folders'] = [];
    for (const plan of plans) {
      const before = sink.counts.added;
      await copyFolder(imap, plan, sink, sourceKey, progress);
      folders.push({ source: plan.folder.path, target: plan.target, added: sink.counts.added - before });
      if (progress) progress.folders++;
    }
    progress?.done();
    return { ...sink.counts, folders };
  } finally {
    await imap.logout().catch(() => imap.close());
  }
}

async function saveState(
  sink: MessageSink,
  sourceKey: string,
  plan: FolderPlan,
  lastUid: number,
): Promise<void> {
  const key = { userId: sink.userId, source: sourceKey, folder: plan.folder.path };
  await db().imapImportState.upsert({
    where: { userId_source_folder: key },
    create: { ...key, uidValidity: plan.uidValidity, lastUid: BigInt(lastUid) },
    update: { uidValidity: plan.uidValidity, lastUid: BigInt(lastUid), updatedAt: new Date() },
  });
}

async function copyFolder(
  imap: ImapFlow,
  plan: FolderPlan,
  sink: MessageSink,
  sourceKey: string,
  progress?: Progress,
): Promise<void> {
  await sink.folder(plan.target);
  if (plan.todo.length === 0) {
    await saveState(sink, sourceKey, plan, 0).catch(() => {});
    return;
  }
  await imap.mailboxOpen(plan.folder.path, { readOnly: true });
  for (const slice of ranges(plan.todo)) {
    const uids = slice.map((m) => m.uid).join(',');
    const fetched = [];
    // Fetch a range whole, then store it: no other IMAP command may run inside a fetch loop.
    for await (const m of imap.fetch(
      uids,
      { uid: true, flags: true, internalDate: true, source: true },
      { uid: true },
    ))
      fetched.push(m);
    fetched.sort((a, b) => a.uid - b.uid);
    for (const m of fetched) {
      if (!m.source) continue;
      const flags = m.flags ?? new Set<string>();
      const lower = new Set([...flags].map((f) => f.toLowerCase()));
      await sink.add(plan.target, {
        raw: m.source,
        flags: {
          seen: lower.has('\\seen'),
          answered: lower.has('\\answered'),
          flagged: lower.has('\\flagged'),
          deleted: lower.has('\\deleted'),
          draft: lower.has('\\draft'),
        },
        keywords: [...flags].filter((f) => !SYSTEM_FLAGS.has(f.toLowerCase()) && !f.startsWith('\\')),
        internalDate: m.internalDate ? new Date(m.internalDate) : new Date(),
      });
      if (progress) {
        progress.messages++;
        progress.bytes += m.source.length;
        progress.update();
      }
    }
    // Everything fetched so far is committed now: remember where to resume.
    await sink.flush();
    await saveState(sink, sourceKey, plan, slice.at(-1)!.uid);
  }
}
