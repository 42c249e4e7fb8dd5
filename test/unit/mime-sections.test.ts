// BODY[section]<partial> slicing (RFC 3501 section 6.4.5) and decoded search text. Expected bytes
// are written by hand from the fixture and the RFC rules; Dovecot returns the same for each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMessage } from '../../server/mime/parse';
import { extractSection, formatSectionSpec, parseSectionSpec } from '../../server/mime/imap-format';
import { decodedPartBody, extractSearchText } from '../../server/mime/search-text';
import { toCrlf } from '../../server/mime/line-endings';

const fixtureDir = join(import.meta.dirname, '..', 'fixtures', 'mime');
const fixture = (name: string) =>
  Buffer.from(readFileSync(join(fixtureDir, name), 'utf8').replace(/\r?\n/g, '\r\n'), 'utf8');

const raw = fixture('nested.eml');
const { bodyStructure } = parseMessage(raw);
const section = (spec: string, partial?: { start: number; length?: number }) =>
  extractSection(raw, bodyStructure, spec, partial).toString('utf8');
const innerHeader =
  'From: Carol <carol@example.test>\r\nTo: bob@example.test\r\nSubject: inner\r\nDate: Mon, 23 Nov 2026 08:00:00 +0000\r\nContent-Type: text/plain\r\n\r\n';

test('whole message, top-level HEADER and TEXT', () => {
  assert.equal(section(''), raw.toString('utf8'));
  const header = section('HEADER');
  assert.ok(header.startsWith('From: =?UTF-8?Q?Ren=C3=A9e_Dupont?='));
  assert.ok(header.endsWith('Content-Type: multipart/mixed; boundary="=_outer"\r\n\r\n'));
  assert.ok(section('TEXT').startsWith('This is a multi-part message in MIME format.\r\n--=_outer\r\n'));
  assert.equal(section('HEADER').length + section('TEXT').length, raw.length);
});

test('numbered parts, nested parts and MIME headers', () => {
  assert.equal(section('1.1'), 'Gr=C3=BC=C3=9Fe');
  assert.equal(section('1.2'), '<p>Hi</p>');
  assert.equal(section('1.2.MIME'), 'Content-Type: text/html; charset=utf-8\r\n\r\n');
  assert.equal(section('1').length, 187);
  assert.ok(section('1').startsWith('--=_alt\r\n') && section('1').endsWith('--=_alt--\r\n'));
  assert.equal(section('2'), 'JVBERi0=');
  assert.equal(
    section('2.MIME'),
    'Content-Type: application/pdf; name="report.pdf"\r\nContent-Disposition: attachment;\r\n filename*0*=utf-8\'\'%C3%9Cbersicht;\r\n filename*1=".pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n',
  );
  assert.equal(section('3.MIME'), 'Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n');
});

test('message/rfc822 part: whole, HEADER, TEXT, HEADER.FIELDS and its part 1', () => {
  assert.equal(section('3'), `${innerHeader}inner body\r\nline two`);
  assert.equal(section('3.HEADER'), innerHeader);
  assert.equal(section('3.TEXT'), 'inner body\r\nline two');
  assert.equal(section('3.1'), 'inner body\r\nline two');
  assert.equal(section('3.1.MIME'), innerHeader); // part 1 of a non-multipart message: its header
  assert.equal(section('3.HEADER.FIELDS (SUBJECT TO)'), 'To: bob@example.test\r\nSubject: inner\r\n\r\n');
  assert.equal(
    section('3.HEADER.FIELDS.NOT (From Date Content-Type)'),
    'To: bob@example.test\r\nSubject: inner\r\n\r\n',
  );
});

test('HEADER.FIELDS keeps folded lines; no match is just the blank line', () => {
  assert.equal(
    section('HEADER.FIELDS (cc message-id)'),
    'Cc: "Smith, Eve" <eve@example.test>\r\nMessage-ID: <nested-1@example.test>\r\n\r\n',
  );
  assert.equal(section('2.MIME'), section('2.MIME')); // stable
  assert.equal(section('HEADER.FIELDS (X-NOTHERE)'), '\r\n');
  const folded = Buffer.from('Subject: one\r\n two\r\nX-A: 1\r\n\r\nbody');
  assert.equal(
    extractSection(folded, parseMessage(folded).bodyStructure, 'HEADER.FIELDS (SUBJECT)').toString(),
    'Subject: one\r\n two\r\n\r\n',
  );
});

test('parts that do not exist, and HEADER of a part that is no message, are empty', () => {
  assert.equal(section('4'), '');
  assert.equal(section('1.3'), '');
  assert.equal(section('2.HEADER'), '');
  assert.equal(section('2.TEXT'), '');
  assert.equal(section('2.1'), 'JVBERi0='); // part 1 of a leaf is the leaf
  assert.equal(section('2.2'), '');
});

test('a single-part message: part 1 is its body, 1.MIME its header', () => {
  const single = fixture('utf8.eml');
  const bs = parseMessage(single).bodyStructure;
  assert.equal(extractSection(single, bs, '1').toString('utf8'), 'Grüße\r\naus Köln\r\n');
  assert.ok(extractSection(single, bs, '1.MIME').toString('utf8').startsWith('From: Jörg Müller'));
  assert.equal(extractSection(single, bs, '2').length, 0);
  assert.equal(extractSection(single, bs, '1.1').length, 0); // "1" names the body only once
});

test('<partial> slices octets; past the end is empty', () => {
  assert.equal(section('1.1', { start: 3, length: 5 }), 'C3=BC');
  assert.equal(section('1.1', { start: 12 }), '9Fe');
  assert.equal(section('1.1', { start: 15, length: 4 }), '');
  assert.equal(section('1.1', { start: 999, length: 4 }), '');
  assert.equal(section('', { start: 0, length: 4 }), 'From');
});

test('section syntax: valid specs parse, invalid ones are refused', () => {
  assert.deepEqual(parseSectionSpec(''), { part: [] });
  assert.deepEqual(parseSectionSpec('1.2.3'), { part: [1, 2, 3] });
  assert.deepEqual(parseSectionSpec('2.mime'), { part: [2], text: 'MIME' });
  assert.deepEqual(parseSectionSpec('1.header.fields (subject "From")'), {
    part: [1],
    text: 'HEADER.FIELDS',
    fields: ['SUBJECT', 'FROM'],
  });
  assert.equal(
    formatSectionSpec(parseSectionSpec('1.header.fields.not (subject from)')!),
    '1.HEADER.FIELDS.NOT (SUBJECT FROM)',
  );
  for (const bad of [
    'MIME',
    '0',
    '1.',
    '.1',
    '1..2',
    'HEADER.FIELDS',
    'HEADER.FIELDS ()',
    'TEXT (A)',
    '1.BOGUS',
    'HEADER.FIELDS (A:B)',
    '99999999999',
  ]) {
    assert.equal(parseSectionSpec(bad), null, bad);
    assert.throws(() => extractSection(raw, bodyStructure, bad), RangeError);
  }
});

test('search text: quoted-printable and base64 decoded, charsets converted, HTML without tags', () => {
  const text = extractSearchText(raw, bodyStructure);
  assert.match(text, /Grüße/);
  assert.match(text, /\bHi\b/);
  assert.doesNotMatch(text, /<p>/);
  assert.match(text, /inner body/);
  assert.match(text, /inner/); // the attached message's subject
  const latin1 = Buffer.concat([
    Buffer.from('Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\n'),
    Buffer.from(Buffer.from('caf\xe9 cr\xe8me', 'latin1').toString('base64')),
  ]);
  assert.equal(extractSearchText(latin1, parseMessage(latin1).bodyStructure), 'café crème');
  assert.equal(decodedPartBody(raw, bodyStructure.parts![1]).toString('latin1'), '%PDF-');
});

test('toCrlf: bare LF and bare CR become CRLF; clean content is returned as is', () => {
  const clean = Buffer.from('a\r\nb\r\n');
  assert.equal(toCrlf(clean), clean);
  assert.equal(toCrlf(Buffer.from('a\nb\r\nc\rd\n')).toString(), 'a\r\nb\r\nc\r\nd\r\n');
  assert.equal(toCrlf(Buffer.alloc(0)).length, 0);
});
