// Address autocomplete: the mailboxes of the user's domain plus everyone the user has written to
// (read from the envelopes of the newest messages in Sent, over IMAP like everything else).
import { domainDirectory } from '../domain/mailboxes';
import type { Actor } from '../domain/audit';
import { withMailbox, type WebmailUser } from './connection';
import { folderFor } from './folders';
import type { MailAddress } from './types';

const SCAN_SENT = 300;

const recentCache = new Map<number, { at: number; addresses: MailAddress[] }>();

/** After sending, the new recipients must be suggested at once. */
export function forgetPastRecipients(userId: number): void {
  recentCache.delete(userId);
}

async function pastRecipients(user: WebmailUser): Promise<MailAddress[]> {
  const cached = recentCache.get(user.id);
  if (cached && Date.now() - cached.at < 60_000) return cached.addresses;
  const sent = await folderFor(user, 'sent');
  const seen = new Map<string, MailAddress>();
  if (sent) {
    await withMailbox(user, sent, async (client) => {
      const total = client.mailbox ? client.mailbox.exists : 0;
      if (total === 0) return;
      for await (const message of client.fetch(`${Math.max(1, total - SCAN_SENT + 1)}:*`, {
        envelope: true,
      })) {
        for (const entry of [
          ...(message.envelope?.to ?? []),
          ...(message.envelope?.cc ?? []),
          ...(message.envelope?.bcc ?? []),
        ]) {
          if (!entry.address) continue;
          const key = entry.address.toLowerCase();
          if (!seen.has(key) || (!seen.get(key)!.name && entry.name))
            seen.set(key, { name: entry.name ?? '', address: entry.address });
        }
      }
    });
  }
  const addresses = [...seen.values()];
  recentCache.set(user.id, { at: Date.now(), addresses });
  return addresses;
}

/** Up to `limit` suggestions whose address or name starts with (or contains) the query. */
export async function suggestAddresses(
  user: WebmailUser,
  actor: Actor,
  query: string,
  limit = 10,
): Promise<MailAddress[]> {
  const needle = query.trim().toLowerCase();
  if (!needle) return [];
  const [directory, recent] = await Promise.all([domainDirectory(actor), pastRecipients(user)]);
  const all = new Map<string, MailAddress>();
  for (const entry of recent) all.set(entry.address.toLowerCase(), entry);
  for (const entry of directory)
    all.set(entry.address.toLowerCase(), {
      name: entry.displayName || all.get(entry.address.toLowerCase())?.name || '',
      address: entry.address,
    });
  const score = (entry: MailAddress): number => {
    const address = entry.address.toLowerCase();
    const name = entry.name.toLowerCase();
    if (address.startsWith(needle) || name.startsWith(needle)) return 0;
    if (name.split(/\s+/).some((word) => word.startsWith(needle))) return 1;
    if (address.includes(needle) || name.includes(needle)) return 2;
    return 9;
  };
  return [...all.values()]
    .map((entry) => ({ entry, rank: score(entry) }))
    .filter((item) => item.rank < 9)
    .sort((a, b) => a.rank - b.rank || a.entry.address.localeCompare(b.entry.address))
    .slice(0, limit)
    .map((item) => item.entry);
}
