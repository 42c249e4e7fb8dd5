// Finding backups in a backup directory (server/backup/manifest.ts): a half-written one
// (<stamp>.partial) is never picked, the newest complete one is, and a damaged manifest is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MANIFEST,
  MANIFEST_SUM,
  listBackups,
  newStamp,
  readManifest,
  resolveBackup,
  sha256Hex,
} from '../../server/backup/manifest';

function writeBackup(dir: string, manifest: object, damage = false): void {
  mkdirSync(dir, { recursive: true });
  const text = JSON.stringify(manifest);
  writeFileSync(join(dir, MANIFEST), damage ? text.replace('sqlite', 'mysql!') : text);
  writeFileSync(join(dir, MANIFEST_SUM), `${sha256Hex(text)}  ${MANIFEST}\n`);
}

test('the newest complete backup is found; partial ones and strangers are not', () => {
  const root = mkdtempSync(join(tmpdir(), 'postroom-manifest-'));
  try {
    const base = { format: 'postroom-backup', version: 1, provider: 'sqlite' };
    const older = newStamp(new Date('2026-01-01T00:00:00Z'));
    const newer = newStamp(new Date('2026-01-02T00:00:00Z'));
    assert.match(older, /^\d{8}T\d{9}Z$/);
    writeBackup(join(root, older), base);
    writeBackup(join(root, newer), base);
    writeBackup(join(root, `${newStamp(new Date('2026-01-03T00:00:00Z'))}.partial`), base);
    mkdirSync(join(root, 'notes'));
    assert.deepEqual(listBackups(root), [join(root, older), join(root, newer)]);
    assert.equal(resolveBackup(root), join(root, newer));
    assert.equal(resolveBackup(join(root, older)), join(root, older));
    assert.equal(readManifest(join(root, newer)).provider, 'sqlite');
    writeBackup(join(root, newer), base, true);
    assert.throws(() => readManifest(join(root, newer)), /damaged/);
    assert.throws(() => resolveBackup(join(root, 'notes')), /no backup/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
