// Reads accounts from an existing MariaDB/MySQL database in one of the two schemas Postfix +
// Dovecot set-ups use: the seed article's (`domains`, `users`, `aliases` with split local and
// domain parts) and PostfixAdmin's (`domain`, `mailbox`, `alias` with comma-separated `goto`,
// `alias_domain`). Read only: the source is never written.
import mariadb from 'mariadb';
import type { AccountsSnapshot, ImportedAlias } from './accounts';

type Row = Record<string, unknown>;
type Query = (sql: string) => Promise<Row[]>;

export class SourceError extends Error {}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

function flag(value: unknown): boolean {
  return value === undefined || value === null ? true : Number(value) !== 0 && text(value) !== '0';
}

export async function readSqlAccounts(url: string): Promise<AccountsSnapshot> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SourceError(`"${url}" is not a database URL (mysql://user:password@host:3306/database)`);
  }
  if (!['mysql:', 'mariadb:'].includes(parsed.protocol))
    throw new SourceError('the source must be a mysql:// or mariadb:// URL');
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new SourceError('the URL names no database (mysql://host/DATABASE)');
  const conn = await mariadb.createConnection({
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username || 'root'),
    password: decodeURIComponent(parsed.password),
    database,
    connectTimeout: 10_000,
  });
  try {
    const query: Query = (sql) => conn.query({ sql, rowsAsArray: false }) as Promise<Row[]>;
    const tables = new Set(
      (
        await query(
          'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()',
        )
      ).map((row) => text(row.name ?? row.NAME ?? row.TABLE_NAME).toLowerCase()),
    );
    if (tables.has('mailbox') && tables.has('domain')) return await readPostfixAdmin(query, tables);
    if (tables.has('users') && tables.has('domains')) return await readSeed(query, tables);
    throw new SourceError(
      `${database} has neither the seed schema (domains, users, aliases) nor PostfixAdmin's (domain, mailbox, alias)`,
    );
  } finally {
    await conn.end();
  }
}

async function readSeed(query: Query, tables: Set<string>): Promise<AccountsSnapshot> {
  const domains = (await query('SELECT domain FROM domains ORDER BY domain')).map((row) => ({
    domain: text(row.domain).toLowerCase(),
    enabled: true,
  }));
  const mailboxes = (
    await query('SELECT local, domain, password_hash, display_name FROM users ORDER BY domain, local')
  ).map((row) => ({
    address: `${text(row.local)}@${text(row.domain)}`.toLowerCase(),
    passwordHash: text(row.password_hash),
    displayName: text(row.display_name),
    quotaBytes: 0n,
    enabled: true,
  }));
  const grouped = new Map<string, ImportedAlias>();
  if (tables.has('aliases'))
    for (const row of await query(
      'SELECT source_local, source_domain, destination_local, destination_domain FROM aliases ORDER BY source_domain, source_local',
    )) {
      const local = text(row.source_local).toLowerCase();
      const domain = text(row.source_domain).toLowerCase();
      // An empty local part is the catch-all, `@domain` here.
      const source = local ? `${local}@${domain}` : `@${domain}`;
      const alias = grouped.get(source) ?? { source, destinations: [] };
      alias.destinations.push(`${text(row.destination_local)}@${text(row.destination_domain)}`.toLowerCase());
      grouped.set(source, alias);
    }
  return { schema: 'seed', domains, aliasDomains: [], mailboxes, aliases: [...grouped.values()], notes: [] };
}

async function readPostfixAdmin(query: Query, tables: Set<string>): Promise<AccountsSnapshot> {
  const notes: string[] = [];
  const aliasDomainRows = tables.has('alias_domain')
    ? await query('SELECT alias_domain, target_domain, active FROM alias_domain ORDER BY alias_domain')
    : [];
  const aliasDomainNames = new Set(aliasDomainRows.map((row) => text(row.alias_domain).toLowerCase()));
  const domains = (await query('SELECT domain, active FROM domain ORDER BY domain'))
    .map((row) => ({ domain: text(row.domain).toLowerCase(), enabled: flag(row.active) }))
    // PostfixAdmin keeps the pseudo-domain ALL for its superadmins; alias domains come separately.
    .filter((row) => row.domain !== 'all' && !aliasDomainNames.has(row.domain));
  const mailboxes = (
    await query('SELECT username, password, name, quota, active FROM mailbox ORDER BY username')
  ).map((row) => ({
    address: text(row.username).toLowerCase(),
    passwordHash: text(row.password),
    displayName: text(row.name),
    quotaBytes: BigInt(Math.max(0, Number(row.quota ?? 0))),
    enabled: flag(row.active),
  }));
  const mailboxSet = new Set(mailboxes.map((m) => m.address));
  const aliases: ImportedAlias[] = [];
  if (tables.has('alias'))
    for (const row of await query('SELECT address, goto, active FROM alias ORDER BY address')) {
      const source = text(row.address).toLowerCase();
      const destinations = text(row.goto)
        .split(/[,\s]+/)
        .map((d) => d.trim().toLowerCase())
        .filter(Boolean);
      if (mailboxSet.has(source)) {
        // PostfixAdmin gives every mailbox an alias row to itself; more targets mean forwarding.
        const others = destinations.filter((d) => d !== source);
        if (others.length)
          notes.push(`forwarding of ${source} to ${others.join(', ')} not imported (set it per mailbox)`);
        continue;
      }
      if (!flag(row.active)) {
        notes.push(`inactive alias ${source} not imported`);
        continue;
      }
      if (destinations.length) aliases.push({ source, destinations });
    }
  const aliasDomains = aliasDomainRows
    .filter((row) => flag(row.active))
    .map((row) => ({
      domain: text(row.alias_domain).toLowerCase(),
      target: text(row.target_domain).toLowerCase(),
    }));
  return { schema: 'postfixadmin', domains, aliasDomains, mailboxes, aliases, notes };
}
