// The compiled scripts delivery runs for a mailbox: the administrator's first, then the mailbox's
// active one. One indexed query per delivered mailbox (plain SQL: this runs for every message). On
// SQLite an unchanged database answers it from memory; on MariaDB, which has no such signal, the
// answer is remembered for MAILBOX_TTL_MS (a round trip per message otherwise). Changes made by
// this process count at once; edits from other processes are seen within the TTLs, as for the
// administrator's script (ADMIN_TTL_MS). Parsed scripts are kept by id and change time, so a busy
// mailbox's script is not parsed for every message.
import { db } from '../core/db';
import { rawDb } from '../store/raw';
import { deserializeSieve, usesVacation, type CompiledSieve } from '../sieve';

const ADMIN_TTL_MS = 2_000;
const MAILBOX_TTL_MS = 2_000;
const MAILBOX_LIMIT = 10_000;
const PARSED_LIMIT = 1_000;

interface MailboxScriptRow {
  id: number | bigint;
  name: string;
  compiled: string;
  updated_at: unknown;
}

export interface DeliveryScripts {
  /** In the order to run them. */
  scripts: CompiledSieve[];
  /** "admin" and/or the active script's name, for the journey. */
  names: string[];
  vacation: boolean;
}

interface StoredScript {
  key: string;
  compiled: string;
}

let admin: { row: StoredScript | null; until: number } | undefined;
/** MariaDB only: mailbox id -> its active script row (or none), and until when to believe it. */
const mailboxRows = new Map<number, { row: MailboxScriptRow | undefined; until: number }>();
const parsed = new Map<string, { script: CompiledSieve; vacation: boolean }>();

/** Called on every change made by this process. */
export function forgetDeliveryScripts(): void {
  admin = undefined;
  mailboxRows.clear();
}

async function mailboxScript(userId: number): Promise<MailboxScriptRow | undefined> {
  const raw = rawDb();
  const remembered = raw.provider === 'mysql' ? mailboxRows.get(userId) : undefined;
  if (remembered && remembered.until > Date.now()) return remembered.row;
  const [row] = await raw.readCached<MailboxScriptRow>(
    'SELECT id, name, compiled, updated_at FROM sieve_scripts WHERE active_for = ?',
    [userId],
  );
  if (raw.provider === 'mysql') {
    if (mailboxRows.size >= MAILBOX_LIMIT) mailboxRows.clear();
    mailboxRows.set(userId, { row, until: Date.now() + MAILBOX_TTL_MS });
  }
  return row;
}

async function adminScript(): Promise<StoredScript | null> {
  if (admin && admin.until > Date.now()) return admin.row;
  const row = await db().sieveAdminScript.findUnique({
    where: { id: 1 },
    select: { compiled: true, updatedAt: true },
  });
  const stored = row ? { key: `admin:${row.updatedAt.getTime()}`, compiled: row.compiled } : null;
  admin = { row: stored, until: Date.now() + ADMIN_TTL_MS };
  return stored;
}

function parse(stored: StoredScript): { script: CompiledSieve; vacation: boolean } {
  let entry = parsed.get(stored.key);
  if (!entry) {
    const script = deserializeSieve(stored.compiled);
    entry = { script, vacation: usesVacation(script) };
    if (parsed.size >= PARSED_LIMIT) parsed.clear();
    parsed.set(stored.key, entry);
  }
  return entry;
}

/** Null when no script applies (the common case: delivery goes on as without Sieve). */
export async function deliveryScripts(userId: number): Promise<DeliveryScripts | null> {
  const [before, own] = await Promise.all([adminScript(), mailboxScript(userId)]);
  if (!before && !own) return null;
  const result: DeliveryScripts = { scripts: [], names: [], vacation: false };
  for (const [name, stored] of [
    ['admin', before],
    [own?.name ?? '', own ? { key: `${own.id}:${String(own.updated_at)}`, compiled: own.compiled } : null],
  ] as const) {
    if (!stored) continue;
    const entry = parse(stored);
    result.scripts.push(entry.script);
    result.names.push(name);
    result.vacation ||= entry.vacation;
  }
  return result;
}
