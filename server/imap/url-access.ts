// Who may read what an IMAP URL names, and its bytes. Without URLAUTH only the owner may (CATENATE
// of one's own messages); with a full URLAUTH URL (RFC 4467 section 6.3) the access identifier must
// admit the reader, it must not have expired, and its INTERNAL token must be the HMAC-SHA256 of
// the rump under the mailbox's access key. Shared by CATENATE and URLFETCH.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { db } from '../core/db';
import { resolveLocalDomain } from '../domain';
import { findFolder, readBlob, readMessages, type MessageRow } from '../store';
import { mailboxKey } from '../store/urlauth-keys';
import type { AuthenticatedUser } from '../auth';
import { resolveSectionPart, type BodyPart } from '../mime';
import { ImapError } from './errors';
import { sectionBytes } from './commands/fetch';
import type { ImapUrl, UrlAuth } from './imap-url';

export interface UrlMessage {
  raw: Buffer;
  structure: BodyPart;
}

/** The INTERNAL mechanism's token: HMAC-SHA256 of the rump URL, hex. */
export function signRump(key: Buffer, rump: string): string {
  return createHmac('sha256', key).update(rump, 'utf8').digest('hex');
}

function tokenMatches(key: Buffer | null, auth: UrlAuth): boolean {
  // Without a key (no mailbox, or reset) a random one still costs the same time (RFC 4467 section 7).
  const expected = Buffer.from(signRump(key ?? randomBytes(32), auth.rump), 'hex');
  const given = Buffer.from(auth.token ?? '', 'hex');
  return key !== null && given.length === expected.length && timingSafeEqual(given, expected);
}

/** The URL names this server: its host name or one of its domains. */
export async function isOurHost(host: string, hostname: string): Promise<boolean> {
  return host === hostname.toLowerCase() || (await resolveLocalDomain(host)) !== null;
}

/** The mailbox owner: "imap://bob@example.org/" or "imap://bob%40example.org@host/". */
export async function urlOwner(
  url: ImapUrl,
  hostname: string,
): Promise<{ id: number; address: string } | null> {
  if (!url.user || !(await isOurHost(url.host, hostname))) return null;
  const address = url.user.includes('@') ? url.user : `${url.user}@${url.host}`;
  const at = address.lastIndexOf('@');
  const domain = await resolveLocalDomain(address.slice(at + 1));
  if (!domain?.enabled) return null;
  const user = await db().user.findUnique({
    where: { local_domain: { local: address.slice(0, at).toLowerCase(), domain: domain.domain } },
    select: { id: true, local: true, domain: true, enabled: true },
  });
  return user?.enabled ? { id: user.id, address: `${user.local}@${user.domain}` } : null;
}

/** The access identifier admits this reader (RFC 4467 section 3). "submit+" is for a submission server, which IMAP sessions are not. */
export function accessAllows(auth: UrlAuth, reader: AuthenticatedUser): boolean {
  if (auth.application === 'authuser' || auth.application === 'anonymous') return auth.accessUser === null;
  if (auth.application === 'user') return auth.accessUser?.toLowerCase() === reader.address.toLowerCase();
  return false;
}

/** The folder and message row a URL names: null without the folder, row null when the UID or UIDVALIDITY do not match. */
export async function locateUrl(
  ownerId: number,
  url: ImapUrl,
): Promise<{ folderId: number; row: MessageRow | null } | null> {
  const folder = await findFolder(ownerId, url.mailbox);
  if (!folder) return null;
  if (url.uidValidity !== null && url.uidValidity !== folder.uidValidity)
    return { folderId: folder.id, row: null };
  const [row] = await readMessages(folder.id, [url.uid], {
    envelope: false,
    structure: true,
    content: true,
    internalDate: false,
  });
  return { folderId: folder.id, row: row ?? null };
}

async function load(row: MessageRow | null | undefined): Promise<UrlMessage | null> {
  return row
    ? { raw: await readBlob(row.blobSha256), structure: JSON.parse(row.bodyStructure) as BodyPart }
    : null;
}

/**
 * The message a URL names if `reader` may read it, else null. `needAuth`: only a full URLAUTH URL
 * will do (URLFETCH); otherwise a URL without a verifier is read as the reader's own.
 */
export async function openUrl(
  url: ImapUrl,
  reader: AuthenticatedUser,
  hostname: string,
  needAuth: boolean,
): Promise<UrlMessage | null> {
  const auth = url.urlauth?.token ? url.urlauth : null;
  if (!auth) {
    if (needAuth) return null;
    const owner = await urlOwner(url, hostname);
    if (owner?.id !== reader.id) return null;
    return load((await locateUrl(reader.id, url))?.row);
  }
  const owner =
    auth.mechanism === 'INTERNAL' && (!auth.expire || auth.expire > new Date()) && accessAllows(auth, reader)
      ? await urlOwner(url, hostname)
      : null;
  const found = owner ? await locateUrl(owner.id, url) : null;
  const key = found ? await mailboxKey(found.folderId, false) : null;
  return tokenMatches(key, auth) ? load(found?.row) : null;
}

/** BODY.PEEK[section]<partial> of the URL's part, or its BINARY form; null for a part that is not there. */
export function urlSection(url: ImapUrl, message: UrlMessage, binary: boolean): Buffer | null {
  const spec = url.section ?? { part: [] };
  if ((spec.part.length > 0 && !resolveSectionPart(message.structure, spec.part)) || (binary && spec.text))
    return null;
  let bytes: Buffer;
  try {
    bytes = sectionBytes({ kind: binary ? 'BINARY' : 'BODY', spec }, message.raw, message.structure);
  } catch (error) {
    if (error instanceof ImapError) return null;
    throw error;
  }
  const partial = url.partial;
  if (!partial) return bytes;
  return partial.start >= bytes.length
    ? Buffer.alloc(0)
    : bytes.subarray(partial.start, partial.length === null ? undefined : partial.start + partial.length);
}
