// A POP3 maildrop (RFC 1939): the INBOX of a mailbox as a fixed list for one session, and the
// exclusive lock RFC 1939 section 8 asks for while a session is open. The lock is a row in
// `settings` with an owner and an expiry, taken by insert or by compare-and-swap over an expired
// row, so it holds across worker processes on SQLite and MariaDB alike; a crashed holder's lock
// lapses after its time to live.
import { randomBytes } from 'node:crypto';
import { db } from '../core/db';
import { findDeliveryFolder } from './append';

export interface MaildropMessage {
  uid: number;
  size: number;
  blobSha256: string;
  headerSize: number;
  seen: boolean;
}

export interface Maildrop {
  folderId: number;
  uidValidity: number;
  messages: MaildropMessage[];
}

/** The INBOX of a user, in UID order, as of now. */
export async function openMaildrop(userId: number): Promise<Maildrop> {
  const folderId = await findDeliveryFolder(userId);
  const [folder, messages] = await Promise.all([
    db().folder.findUniqueOrThrow({ where: { id: folderId }, select: { uidValidity: true } }),
    db().message.findMany({
      where: { folderId },
      orderBy: { uid: 'asc' },
      select: { uid: true, size: true, blobSha256: true, headerSize: true, seen: true },
    }),
  ]);
  return { folderId, uidValidity: folder.uidValidity, messages };
}

interface LockValue {
  owner: string;
  expires: number;
}

function lockKey(userId: number): string {
  return `lock:pop3:${userId}`;
}

function parseLock(value: string): LockValue | null {
  try {
    const parsed = JSON.parse(value) as LockValue;
    return typeof parsed.owner === 'string' && typeof parsed.expires === 'number' ? parsed : null;
  } catch {
    return null;
  }
}

export interface MaildropLock {
  /** Extends the lock's expiry; false if the lock was lost (expired and taken by another). */
  refresh(): Promise<boolean>;
  release(): Promise<void>;
}

/** Takes the maildrop lock of a user, or returns null when another live session holds it. */
export async function lockMaildrop(userId: number, ttlMs = 60_000): Promise<MaildropLock | null> {
  const key = lockKey(userId);
  const owner = `${process.pid}.${randomBytes(8).toString('hex')}`;
  let current = JSON.stringify({ owner, expires: Date.now() + ttlMs } satisfies LockValue);
  const insert = () =>
    db()
      .setting.create({ data: { key, value: current } })
      .then(
        () => true,
        () => false,
      );
  const taken = await insert();
  if (!taken) {
    const existing = await db().setting.findUnique({ where: { key } });
    const held = existing ? parseLock(existing.value) : null;
    if (existing && held && held.expires > Date.now()) return null;
    // Expired (or unreadable): replace it only if nobody else replaced it first.
    const swapped = existing
      ? (await db().setting.updateMany({ where: { key, value: existing.value }, data: { value: current } }))
          .count === 1
      : await insert();
    if (!swapped) return null;
  }
  return {
    async refresh() {
      const next = JSON.stringify({ owner, expires: Date.now() + ttlMs } satisfies LockValue);
      const result = await db().setting.updateMany({ where: { key, value: current }, data: { value: next } });
      if (result.count === 1) current = next;
      return result.count === 1;
    },
    async release() {
      await db().setting.deleteMany({ where: { key, value: current } });
    },
  };
}
