// Where imported messages go: one mailbox's folders, through the store's append path (fsynced
// blobs, UIDs, quota, change feed). A message already in the folder with the same Message-ID,
// internal date and size is skipped, so an interrupted or repeated import adds nothing twice.
// Messages go in batches: blobs written concurrently, one commit, UIDs in the source's order.
import { db } from '../core/db';
import { getMailbox } from '../domain';
import {
  type AppendOptions,
  type AppendTarget,
  appendMessagesInOrder,
  createFolder,
  DELIMITER,
  findFolder,
  type SystemFlags,
} from '../store';
import { parseMessage } from '../mime/parse';

export interface IncomingMessage {
  raw: Buffer;
  flags: SystemFlags;
  keywords: string[];
  internalDate: Date;
}

export interface SinkCounts {
  added: number;
  skipped: number;
  bytes: number;
}

/** Messages committed together: their blobs are written concurrently, then one transaction. */
const BATCH = 200;
/** ...and at most about this many bytes held in memory. */
const BATCH_BYTES = 32 * 1024 * 1024;

/** Bare LF line ends (Maildir and mbox on disk) become CRLF, as IMAP and SMTP carry them. */
export function toCrlf(raw: Buffer): Buffer {
  if (!raw.includes(0x0a)) return raw;
  let bare = false;
  for (let i = raw.indexOf(0x0a); i >= 0; i = raw.indexOf(0x0a, i + 1))
    if (i === 0 || raw[i - 1] !== 0x0d) {
      bare = true;
      break;
    }
  return bare ? Buffer.from(raw.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1') : raw;
}

function dedupeKey(messageId: string, internalDate: Date, size: number): string {
  return `${messageId}\u0000${internalDate.getTime()}\u0000${size}`;
}

export class MessageSink {
  readonly counts: SinkCounts = { added: 0, skipped: 0, bytes: 0 };
  private folders = new Map<string, { id: number; seen: Set<string> }>();
  private batch: { raw: Buffer; targets: AppendTarget[]; options: AppendOptions }[] = [];
  private batchBytes = 0;

  private constructor(
    readonly userId: number,
    readonly address: string,
  ) {}

  static async open(address: string): Promise<MessageSink> {
    const mailbox = await getMailbox(address);
    return new MessageSink(mailbox.id, mailbox.address);
  }

  /** The folder (created when missing) and the keys of the messages already in it. */
  async folder(name: string): Promise<{ id: number; seen: Set<string> }> {
    const known = this.folders.get(name);
    if (known) return known;
    const found = (await findFolder(this.userId, name)) ?? (await createFolder(this.userId, name));
    const rows = await db().message.findMany({
      where: { folderId: found.id },
      select: { messageIdHdr: true, internalDate: true, size: true },
    });
    const entry = {
      id: found.id,
      seen: new Set(rows.map((r) => dedupeKey(r.messageIdHdr, r.internalDate, r.size))),
    };
    this.folders.set(name, entry);
    return entry;
  }

  /** True when a message with this key is already in the folder (or queued for it). */
  async has(folderName: string, messageId: string, internalDate: Date, size: number): Promise<boolean> {
    return (await this.folder(folderName)).seen.has(dedupeKey(messageId, internalDate, size));
  }

  /** Queues one message; a full batch is committed (in order) before this returns. */
  async add(folderName: string, message: IncomingMessage): Promise<void> {
    const folder = await this.folder(folderName);
    const raw = toCrlf(message.raw);
    const parsed = parseMessage(raw);
    const internalDate = new Date(Math.floor(message.internalDate.getTime()));
    const key = dedupeKey(parsed.messageId, internalDate, raw.length);
    if (folder.seen.has(key)) {
      this.counts.skipped++;
      return;
    }
    folder.seen.add(key);
    this.batch.push({
      raw,
      targets: [{ folderId: folder.id, flags: message.flags, keywords: message.keywords }],
      options: { internalDate, parsed },
    });
    this.batchBytes += raw.length;
    if (this.batch.length >= BATCH || this.batchBytes >= BATCH_BYTES) await this.flush();
  }

  /** Messages queued and not yet committed. */
  get pending(): number {
    return this.batch.length;
  }

  /** Commits what is queued; once this returns, it is on disk. */
  async flush(): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    if (batch.length === 0) return;
    await appendMessagesInOrder(batch);
    this.counts.added += batch.length;
    for (const item of batch) this.counts.bytes += item.raw.length;
  }

  async finish(): Promise<SinkCounts> {
    await this.flush();
    return this.counts;
  }
}

/** Joins a source's folder path into ours ("Lists.work" with "." becomes "Lists/work"). */
export function folderPath(parts: string[]): string {
  return parts.length === 0 || (parts.length === 1 && parts[0]!.toUpperCase() === 'INBOX')
    ? 'INBOX'
    : parts.join(DELIMITER);
}
