// MariaDB: one REPEATABLE READ transaction started WITH CONSISTENT SNAPSHOT reads every table, so
// the dump is the database at one instant while the worker goes on committing. The dump is gzipped
// JSON lines — a header line per table, then one array per row — that restore reads back with
// plain INSERTs; no mysqldump binary is needed on the machine or matched to the server's version.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { PassThrough } from 'node:stream';
import mariadb from 'mariadb';
import { mariadbOptions } from '../core/database-url';
import type { ChunkReader, ChunkWriter } from './chunks';
import type { SnapshotInfo } from './snapshot-info';

type Cell = string | number | null | { $b64: string };
interface TableHeader {
  table: string;
  columns: string[];
}

const BLOB_COLUMN = 'blob_sha256';
/** Message content in rows (POSTROOM_BLOB_STORE=database): backed up as message files, not dumped. */
const CHUNK_TABLE = 'blob_chunks';
const INSERT_BATCH = 200;

function connect(url: string): Promise<mariadb.Connection> {
  return mariadb.createConnection({
    ...mariadbOptions(url),
    dateStrings: true, // DATETIME(3) text as stored: written back unchanged
    bigIntAsNumber: false,
    decimalAsNumber: false,
  });
}

function encode(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return { $b64: value.toString('base64') };
  if (typeof value === 'number' || typeof value === 'string') return value;
  return String(value);
}

function decode(value: Cell): string | number | Buffer | null {
  if (value !== null && typeof value === 'object') return Buffer.from(value.$b64, 'base64');
  return value;
}

async function tableNames(conn: mariadb.Connection): Promise<string[]> {
  const rows = (await conn.query(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name",
  )) as { name: string }[];
  return rows.map((row) => row.name);
}

async function columnNames(conn: mariadb.Connection, table: string): Promise<string[]> {
  const rows = (await conn.query(
    'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position',
    [table],
  )) as { name: string }[];
  return rows.map((row) => row.name);
}

const quote = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/**
 * Dumps every table from one consistent snapshot into `dest` (gzipped JSON lines). The chunk
 * table's rows are not dumped: `withChunks` reads them from the same snapshot once every reference
 * to content is known (backup.ts writes them as message files), before the snapshot ends.
 */
export async function dumpMysql(
  url: string,
  dest: string,
  withChunks?: (read: ChunkReader, referenced: Set<string>) => Promise<void>,
): Promise<SnapshotInfo> {
  const conn = await connect(url);
  const info: SnapshotInfo = { tables: {}, migrations: [], referenced: new Set() };
  const out = new PassThrough();
  const written = pipeline(out, createGzip({ level: 6 }), createWriteStream(dest, { mode: 0o600 }));
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  try {
    // the chunk table last: by then the rows that refer to content have all been read
    const names = (await tableNames(conn)).sort(
      (a, b) => Number(a === CHUNK_TABLE) - Number(b === CHUNK_TABLE),
    );
    const columns = new Map<string, string[]>();
    for (const name of names) columns.set(name, await columnNames(conn, name));
    await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    for (const table of names) {
      const cols = columns.get(table)!;
      await write(JSON.stringify({ table, columns: cols } satisfies TableHeader));
      const blobAt = cols.indexOf(BLOB_COLUMN);
      const collect = table === 'messages' || table === 'queue_entries' ? blobAt : -1;
      if (table === CHUNK_TABLE) {
        info.tables[table] = 0;
        await withChunks?.(
          {
            async chunk(hash, idx) {
              const [row] = (await conn.query('SELECT data FROM blob_chunks WHERE sha256 = ? AND idx = ?', [
                hash,
                idx,
              ])) as { data: Buffer }[];
              return row ? Buffer.from(row.data) : null;
            },
            async has(hash) {
              const rows = (await conn.query('SELECT 1 FROM blob_chunks WHERE sha256 = ? AND idx = 0', [
                hash,
              ])) as unknown[];
              return rows.length > 0;
            },
          },
          info.referenced,
        );
        continue;
      }
      let rows = 0;
      const stream = conn.queryStream({
        sql: `SELECT ${cols.map(quote).join(', ')} FROM ${quote(table)}`,
        rowsAsArray: true,
      });
      for await (const row of stream as AsyncIterable<unknown[]>) {
        rows++;
        if (collect >= 0) info.referenced.add(String(row[collect]));
        if (table === 'settings' && row[cols.indexOf('key')] === 'blob_store') {
          const value = row[cols.indexOf('value')];
          if (value === 'database' || value === 'filesystem') info.blobStore = value;
        }
        if (table === '_prisma_migrations') {
          const name = row[cols.indexOf('migration_name')];
          const finished = row[cols.indexOf('finished_at')];
          if (finished) info.migrations.push(String(name));
        }
        await write(JSON.stringify(row.map(encode)));
      }
      if (table !== '_prisma_migrations') info.tables[table] = rows;
    }
    await conn.query('COMMIT');
    info.migrations.sort();
    out.end();
    await written;
    return info;
  } catch (error) {
    out.destroy(error as Error);
    await written.catch(() => {});
    throw error;
  } finally {
    await conn.end().catch(() => {});
  }
}

/** Reads a dump line by line: each table's header, then its rows. */
async function* readDump(file: string): AsyncGenerator<TableHeader | Cell[]> {
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of lines) if (line) yield JSON.parse(line) as TableHeader | Cell[];
}

/** What a dump holds (for --verify): counts, migrations and referenced blobs, read in full. */
export async function inspectMysqlDump(file: string): Promise<SnapshotInfo> {
  const info: SnapshotInfo = { tables: {}, migrations: [], referenced: new Set() };
  let header: TableHeader | undefined;
  for await (const item of readDump(file)) {
    if (!Array.isArray(item)) {
      header = item;
      if (item.table !== '_prisma_migrations') info.tables[item.table] = 0;
      continue;
    }
    if (!header) throw new Error('the dump starts with a row before any table');
    if (header.table === '_prisma_migrations') {
      if (item[header.columns.indexOf('finished_at')])
        info.migrations.push(String(item[header.columns.indexOf('migration_name')]));
      continue;
    }
    info.tables[header.table]!++;
    if (header.table === 'messages' || header.table === 'queue_entries')
      info.referenced.add(String(item[header.columns.indexOf(BLOB_COLUMN)]));
  }
  info.migrations.sort();
  return info;
}

/** Chunk rows written by restore into the target database, a transaction per message. */
export async function mysqlChunkWriter(url: string): Promise<ChunkWriter & { end(): Promise<void> }> {
  const conn = await connect(url);
  return {
    begin: () => conn.beginTransaction(),
    async insert(hash, idx, data) {
      await conn.query(
        'INSERT IGNORE INTO blob_chunks (sha256, idx, data, created_at) VALUES (?, ?, ?, CURRENT_TIMESTAMP(3))',
        [hash, idx, data],
      );
    },
    commit: () => conn.commit(),
    rollback: () => conn.rollback(),
    end: () => conn.end(),
  };
}

/** Rows in every table but the migrations' own (restore fills an empty database only). */
export async function mysqlRowCount(url: string): Promise<number> {
  const conn = await connect(url);
  try {
    let total = 0;
    for (const name of await tableNames(conn)) {
      if (name === '_prisma_migrations') continue;
      const [row] = (await conn.query(`SELECT COUNT(*) AS n FROM ${quote(name)}`)) as {
        n: bigint | number;
      }[];
      total += Number(row?.n ?? 0);
    }
    return total;
  } finally {
    await conn.end();
  }
}

/**
 * Loads a dump into a migrated, empty database in one transaction (all or nothing). The
 * migrations table is the target's own (restore migrated it); foreign keys are checked off while
 * tables arrive in name order rather than dependency order.
 */
export async function loadMysqlDump(url: string, file: string, onRow: () => void): Promise<void> {
  const conn = await connect(url);
  try {
    const present = new Set(await tableNames(conn));
    await conn.query('SET SESSION foreign_key_checks = 0');
    await conn.beginTransaction();
    let header: TableHeader | undefined;
    let batch: Cell[][] = [];
    const flush = async () => {
      if (!header || batch.length === 0) return;
      const marks = `(${header.columns.map(() => '?').join(', ')})`;
      await conn.query(
        `INSERT INTO ${quote(header.table)} (${header.columns.map(quote).join(', ')}) VALUES ${batch.map(() => marks).join(', ')}`,
        batch.flat().map(decode),
      );
      batch = [];
    };
    for await (const item of readDump(file)) {
      if (!Array.isArray(item)) {
        await flush();
        if (!present.has(item.table) && item.table !== '_prisma_migrations')
          throw new Error(`the backup has a table "${item.table}" this version does not know`);
        header = item;
        continue;
      }
      if (!header || header.table === '_prisma_migrations') continue;
      batch.push(item);
      onRow();
      if (batch.length >= INSERT_BATCH) await flush();
    }
    await flush();
    await conn.commit();
  } catch (error) {
    await conn.rollback().catch(() => {});
    throw error;
  } finally {
    await conn.query('SET SESSION foreign_key_checks = 1').catch(() => {});
    await conn.end().catch(() => {});
  }
}
