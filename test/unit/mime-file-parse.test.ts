// Parsing a spooled message from its file through a small window (server/mime/bytes.ts) gives
// exactly what parsing it in memory gives: every fixture, with windows so small that boundaries,
// header ends and line breaks fall across window edges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMessage, parseMessageFile } from '../../server/mime/parse';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'mime');

function nestedMultipart(): Buffer {
  const part = (n: number) =>
    `--outer\r\nContent-Type: multipart/alternative; boundary=inner${n}\r\n\r\n--inner${n}\r\nContent-Type: text/plain\r\n\r\nline one\r\nline two ${'x'.repeat(n * 37)}\r\n--inner${n}\r\nContent-Type: text/html\r\n\r\n<p>${n}</p>\r\n--inner${n}--\r\n`;
  const forwarded =
    '--outer\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nFrom: a@b.example\r\n\r\nbody\r\n';
  return Buffer.from(
    `From: Someone <someone@example.com>\r\nTo: x@example.org\r\nSubject: nested\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\npreamble\r\n${part(1)}${part(2)}${forwarded}--outer\r\nContent-Type: application/octet-stream; name=a.bin\r\nContent-Disposition: attachment; filename=a.bin\r\n\r\n${'QUJD'.repeat(5000)}\r\n--outer--\r\nepilogue\r\n`,
  );
}

test('a file parsed through small windows gives the in-memory result', () => {
  const dir = mkdtempSync(join(tmpdir(), 'postroom-mime-file-'));
  try {
    const messages: [string, Buffer][] = readdirSync(FIXTURES)
      .filter((name) => name.endsWith('.eml'))
      .map((name) => [name, readFileSync(join(FIXTURES, name))]);
    messages.push(
      ['nested', nestedMultipart()],
      ['empty', Buffer.alloc(0)],
      ['header only', Buffer.from('Subject: x\r\n')],
    );
    assert.ok(messages.length > 3);
    for (const [name, raw] of messages) {
      const path = join(dir, 'message');
      writeFileSync(path, raw);
      const expected = parseMessage(raw);
      for (const window of [3, 7, 64, 1000, 1 << 20])
        assert.deepEqual(parseMessageFile(path, window), expected, `${name} with a ${window}-byte window`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
