// Cross-check against Dovecot, the reference IMAP server, when one runs on this machine
// (bench/reference/up.sh: 127.0.0.1:11143): the fixtures are APPENDed there and its
// BODYSTRUCTURE, BODY, ENVELOPE and sections must equal ours byte for byte. Skipped without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseMessage } from '../../server/mime/parse';
import { extractSection, formatBodyStructure, formatEnvelope } from '../../server/mime/imap-format';

const DOVECOT = { host: '127.0.0.1', port: 11143, user: 'testuser@example.test', password: 'pass' };
const fixtureDir = join(import.meta.dirname, '..', 'fixtures', 'mime');
// malformed.eml is left out on purpose: for "Content-Type: text" Dovecot reports subtype "", we
// report RFC 2045's default text/plain.
const FIXTURES = ['nested.eml', 'utf8.eml', 'digest.eml'];
// Odd but real shapes: parameters without charset, base64 message/rfc822, boundaries with spaces,
// multipart/signed, encoded descriptions, empty parts, text after the close delimiter, RFC 2231.
const EDGES = [
  'edge-t01.eml',
  'edge-t04.eml',
  'edge-t12.eml',
  'edge-t14.eml',
  'edge-t18.eml',
  'edge-t21.eml',
  'edge-t22.eml',
  'edge-t23.eml',
  'edge-t24.eml',
];
const SECTIONS = [
  'HEADER',
  'TEXT',
  '1',
  '1.MIME',
  '2',
  '2.MIME',
  '3',
  '3.HEADER',
  '3.TEXT',
  '3.1',
  '1.1',
  '1.2.MIME',
  'HEADER.FIELDS (SUBJECT TO)',
  '3.HEADER.FIELDS.NOT (FROM)',
  '4',
];

async function dovecotUp(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(DOVECOT.port, DOVECOT.host);
    socket.setTimeout(500, () => (socket.destroy(), resolve(false)));
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

test("BODYSTRUCTURE, BODY, ENVELOPE and sections equal Dovecot's", async (t) => {
  if (!(await dovecotUp())) return t.skip('no reference Dovecot on 127.0.0.1:11143');
  const script = join(fixtureDir, 'dovecot_fetch.py');
  const files = [...FIXTURES, ...EDGES].map((name) => join(fixtureDir, name));
  const result = spawnSync(
    'python3',
    [
      script,
      DOVECOT.host,
      String(DOVECOT.port),
      DOVECOT.user,
      DOVECOT.password,
      JSON.stringify(SECTIONS),
      ...files,
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.equal(result.status, 0, result.stderr);
  const dovecot = JSON.parse(result.stdout) as Record<string, Record<string, string>>;
  for (const name of [...FIXTURES, ...EDGES]) {
    const raw = Buffer.from(readFileSync(join(fixtureDir, name), 'utf8').replace(/\r?\n/g, '\r\n'));
    const parsed = parseMessage(raw);
    const theirs = dovecot[name];
    assert.equal(
      formatBodyStructure(parsed.bodyStructure, true),
      theirs.BODYSTRUCTURE,
      `${name} BODYSTRUCTURE`,
    );
    assert.equal(formatBodyStructure(parsed.bodyStructure, false), theirs.BODY, `${name} BODY`);
    assert.equal(formatEnvelope(parsed.envelope), theirs.ENVELOPE, `${name} ENVELOPE`);
    if (EDGES.includes(name)) continue; // sections are compared on the main fixtures
    for (const section of SECTIONS) {
      const bytes = extractSection(raw, parsed.bodyStructure, section);
      assert.equal(
        `{${bytes.length}}\r\n${bytes.toString('utf8')}`,
        theirs[`BODY[${section}]`],
        `${name} BODY[${section}]`,
      );
    }
  }
});
