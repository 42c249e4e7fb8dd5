// The SQLite commit signal behind the store's read cache: every commit, by this process's other
// connection or by another process, changes it; reads and uncommitted writes do not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { commitSignal } from '../../server/store/sqlite-commit-signal';

test('a commit by another connection or process changes the signal; reads and open transactions do not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'postroom-signal-'));
  const file = join(dir, 'db.sqlite');
  const writer = new Database(file);
  writer.pragma('journal_mode = WAL');
  writer.exec('CREATE TABLE t (x INTEGER)');
  const reader = new Database(file, { readonly: true });
  let fallbackCalls = 0;
  const signal = commitSignal(file, () => ++fallbackCalls);
  try {
    const first = signal.read();
    reader.prepare('SELECT COUNT(*) FROM t').get();
    assert.equal(signal.read(), first, 'a read is not a change');
    writer.prepare('INSERT INTO t VALUES (1)').run();
    const second = signal.read();
    assert.notEqual(second, first, 'a commit on another connection');
    writer.exec('BEGIN');
    writer.prepare('INSERT INTO t VALUES (2)').run();
    assert.equal(signal.read(), second, 'nothing committed yet');
    writer.exec('COMMIT');
    const third = signal.read();
    assert.notEqual(third, second);
    const script = `const D = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))}); const d = new D(${JSON.stringify(file)}); d.prepare('INSERT INTO t VALUES (3)').run(); d.close();`;
    execFileSync(process.execPath, ['-e', script]);
    assert.notEqual(signal.read(), third, 'a commit by another process');
    writer.pragma('wal_checkpoint(TRUNCATE)');
    const afterCheckpoint = signal.read();
    writer.prepare('INSERT INTO t VALUES (4)').run();
    assert.notEqual(signal.read(), afterCheckpoint, 'a commit after the log was reset');
    assert.equal(fallbackCalls, 0, 'answered from the WAL-index file');
  } finally {
    signal.close();
    reader.close();
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
