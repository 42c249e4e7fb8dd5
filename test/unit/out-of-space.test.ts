// isOutOfSpace (SMTP's 452 4.3.1) knows a full disk however it is reported: a file write's ENOSPC,
// and, since small messages are written into the database, a real SQLite database filling a 1 MiB
// tmpfs (SQLITE_FULL) and MariaDB's error numbers for a full disk or table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { isOutOfSpace } from '../../server/core/disk-space';

function caught(work: () => void): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  assert.fail('expected the write to fail');
}

test('a file write and a SQLite database on a full disk both count as out of space', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'postroom-full-'));
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]).status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return t.skip('cannot mount a tmpfs here');
  }
  try {
    const fileError = caught(() => writeFileSync(join(dir, 'big'), Buffer.alloc(2 * 1024 * 1024)));
    assert.equal(isOutOfSpace(fileError), true, String(fileError));
    rmSync(join(dir, 'big'), { force: true });
    const db = new Database(join(dir, 'mail.db'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE blob_chunks (sha256 TEXT, idx INTEGER, data BLOB)');
    const insert = db.prepare('INSERT INTO blob_chunks VALUES (?, 0, ?)');
    const sqliteError = caught(() => {
      for (let n = 0; n < 1000; n++) insert.run(String(n), Buffer.alloc(10_000, n));
    });
    db.close();
    assert.equal((sqliteError as { code?: string }).code, 'SQLITE_FULL');
    assert.equal(isOutOfSpace(sqliteError), true);
  } finally {
    spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("MariaDB's full disk and full table count; other errors and Node's errno numbers do not", () => {
  assert.equal(isOutOfSpace({ errno: 1021, code: 'ER_DISK_FULL' }), true);
  assert.equal(isOutOfSpace({ errno: 1114, code: 'ER_RECORD_FILE_FULL' }), true);
  assert.equal(isOutOfSpace({ errno: 1213, code: 'ER_LOCK_DEADLOCK' }), false);
  assert.equal(isOutOfSpace({ errno: -2, code: 'ENOENT' }), false);
  assert.equal(isOutOfSpace({ code: 'SQLITE_BUSY' }), false);
  assert.equal(isOutOfSpace(null), false);
});
