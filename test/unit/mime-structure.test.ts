// BODYSTRUCTURE, BODY and ENVELOPE of the fixtures in test/fixtures/mime. Every expected string was
// written by hand from the RFC 3501 section 9 grammar (sizes counted by hand with CRLF line ends)
// and then confirmed against Dovecot 2.3 by APPENDing the same bytes there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMessage } from '../../server/mime/parse';
import { formatBodyStructure, formatEnvelope, imapString } from '../../server/mime/imap-format';

const fixtureDir = join(import.meta.dirname, '..', 'fixtures', 'mime');
/** Fixtures are stored with LF line ends; mail on the wire has CRLF. */
export function fixture(name: string): Buffer {
  return Buffer.from(readFileSync(join(fixtureDir, name), 'utf8').replace(/\r?\n/g, '\r\n'), 'utf8');
}

const carol = '(("Carol" NIL "carol" "example.test"))';

test('nested multipart with alternative, RFC 2231 attachment and message/rfc822', () => {
  const parsed = parseMessage(fixture('nested.eml'));
  const alternative =
    '(("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 15 0 NIL NIL NIL NIL)' +
    '("text" "html" ("charset" "utf-8") NIL NIL "7bit" 9 0 NIL NIL NIL NIL) "alternative" ("boundary" "=_alt") NIL NIL NIL)';
  const pdf =
    '("application" "pdf" ("name" "report.pdf") NIL NIL "base64" 8 NIL ("attachment" ("filename*" "utf-8\'\'%C3%9Cbersicht.pdf")) NIL NIL)';
  const innerEnvelope = `("Mon, 23 Nov 2026 08:00:00 +0000" "inner" ${carol} ${carol} ${carol} ((NIL NIL "bob" "example.test")) NIL NIL NIL NIL)`;
  const message = `("message" "rfc822" NIL NIL NIL "7bit" 159 ${innerEnvelope} ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 20 1 NIL NIL NIL NIL) 7 NIL ("inline" NIL) NIL NIL)`;
  assert.equal(
    formatBodyStructure(parsed.bodyStructure, true),
    `(${alternative}${pdf}${message} "mixed" ("boundary" "=_outer") NIL NIL NIL)`,
  );

  const body =
    '((("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 15 0)("text" "html" ("charset" "utf-8") NIL NIL "7bit" 9 0) "alternative")' +
    '("application" "pdf" ("name" "report.pdf") NIL NIL "base64" 8)' +
    `("message" "rfc822" NIL NIL NIL "7bit" 159 ${innerEnvelope} ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 20 1) 7) "mixed")`;
  assert.equal(formatBodyStructure(parsed.bodyStructure, false), body);

  const renee = '(("=?UTF-8?Q?Ren=C3=A9e_Dupont?=" NIL "renee" "example.test"))';
  assert.equal(
    formatEnvelope(parsed.envelope),
    `("Tue, 24 Nov 2026 09:30:00 +0100" "=?UTF-8?B?UmU6IMOcYmVyc2ljaHQ=?=" ${renee} (("Postroom Lists" NIL "lists" "example.test")) ${renee} ` +
      '(("Bob" NIL "bob" "example.test")(NIL NIL "team" NIL)(NIL NIL "carol" "example.test")(NIL NIL "dan" "example.test")(NIL NIL NIL NIL)) ' +
      '(("Smith, Eve" NIL "eve" "example.test")) NIL "<earlier@example.test>" "<nested-1@example.test>")',
  );
  // Decoded columns for the list view and search.
  assert.equal(parsed.subject, 'Re: Übersicht');
  assert.equal(parsed.from, 'Renée Dupont <renee@example.test>');
  assert.equal(parsed.hasAttachment, true);
  assert.equal(parsed.sentDate?.toISOString(), '2026-11-24T08:30:00.000Z');
  assert.equal(parsed.bodyStructure.parts?.[1].filename, 'Übersicht.pdf');
});

test('8-bit UTF-8 header (RFC 6532) goes out as literals; body lines counted', () => {
  const parsed = parseMessage(fixture('utf8.eml'));
  assert.equal(
    formatBodyStructure(parsed.bodyStructure, true),
    '("text" "plain" ("charset" "utf-8") NIL NIL "8bit" 20 2 NIL NIL NIL NIL)',
  );
  const joerg = '(({13}\r\nJörg Müller NIL "joerg" "example.test"))';
  assert.equal(
    formatEnvelope(parsed.envelope),
    `("Wed, 25 Nov 2026 12:00:00 +0000" {17}\r\nGrüße aus Köln ${joerg} ${joerg} ${joerg} ((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) NIL NIL NIL "<utf8@example.test>")`,
  );
  // With UTF8=ACCEPT (RFC 6855) the same strings may be quoted.
  assert.match(
    formatEnvelope(parsed.envelope, { utf8: true }),
    /^\("Wed, 25 Nov 2026 12:00:00 \+0000" "Grüße aus Köln" \(\("Jörg Müller" NIL/,
  );
  assert.equal(parsed.hasAttachment, false);
});

test('multipart/digest parts default to message/rfc822', () => {
  const parsed = parseMessage(fixture('digest.eml'));
  const one = '((NIL NIL "one" "example.test"))';
  assert.equal(
    formatBodyStructure(parsed.bodyStructure, true),
    `(("message" "rfc822" NIL NIL NIL "7bit" 53 (NIL "one" ${one} ${one} ${one} NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 13 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)` +
      '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 13 0 NIL NIL NIL NIL) "digest" ("boundary" "d") NIL NIL NIL)',
  );
});

test('malformed: invalid Content-Type, prefix-matched boundary, no close delimiter, no blank line', () => {
  const parsed = parseMessage(fixture('malformed.eml'));
  const empty = '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL)';
  assert.equal(
    formatBodyStructure(parsed.bodyStructure, true),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 5 0 NIL NIL NIL NIL)' +
      // "Content-Type: text" has no subtype: RFC 2045 section 5.2 says treat it as text/plain.
      '("text" "plain" ("charset" "us-ascii") NIL NIL "BASE64" 4 0 NIL NIL NIL NIL)' +
      // "--bx" starts with the boundary: a delimiter (RFC 2046 section 5.1.1, and Dovecot agrees).
      `${empty}${empty} "mixed" ("boundary" "b") NIL NIL NIL)`,
  );
  assert.equal(
    formatEnvelope(parsed.envelope),
    '(NIL "malformed" ((NIL NIL "broken" "MISSING_DOMAIN")) ((NIL NIL "broken" "MISSING_DOMAIN")) ((NIL NIL "broken" "MISSING_DOMAIN")) NIL NIL NIL NIL NIL)',
  );
});

test('a multipart without any delimiter still has one (empty) part', () => {
  const raw = Buffer.from('Subject: x\r\nContent-Type: multipart/mixed; boundary=nope\r\n\r\njust text\r\n');
  assert.equal(
    formatBodyStructure(parseMessage(raw).bodyStructure, true),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) "mixed" ("boundary" "nope") NIL NIL NIL)',
  );
});

test('nested close delimiter keeps its line break; epilogues; case of types kept', () => {
  const raw = Buffer.from(
    'Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n--b2\r\nContent-Type: TEXT/HTML\r\n\r\nx\r\n--b2--\r\n' +
      '--b1\r\nContent-Type: Application/PDF; Name=A.pdf\r\n\r\ny\r\n--b1\r\nContent-Type: multipart/related; boundary=b3\r\n\r\n--b3\r\nContent-Type: image/png\r\n\r\nz\r\n--b3--\r\nepi\r\n--b1--\r\n',
  );
  // Part 1 = "--b2\r\n" (6) + "Content-Type: TEXT/HTML\r\n" (25) + "\r\n" (2) + "x\r\n" (3) + "--b2--\r\n" (8) = 44
  // Part 3 = "--b3\r\n" (6) + "Content-Type: image/png\r\n" (25) + "\r\n" + "z\r\n" + "--b3--\r\n" (8) + "epi" (3) = 47
  const bs = parseMessage(raw).bodyStructure;
  assert.equal(bs.parts?.[0].size, 44);
  assert.equal(bs.parts?.[2].size, 47);
  assert.equal(
    formatBodyStructure(bs, false),
    '((("TEXT" "HTML" ("charset" "us-ascii") NIL NIL "7bit" 1 0) "alternative")("Application" "PDF" ("Name" "A.pdf") NIL NIL "7bit" 1)(("image" "png" NIL NIL NIL "7bit" 1) "related") "mixed")',
  );
});

test('LF-only messages, parameters with RFC 2231 continuations, languages and MD5', () => {
  const raw = Buffer.from(
    'Content-Type: text/html; charset="UTF-8"; format=flowed\nContent-ID: <cid@x>\nContent-Description: the html\nContent-Language: en, de\n' +
      'Content-Location: http://x/y\nContent-MD5: abc\nContent-Disposition: inline; filename*0*=utf-8\'\'%E2%82%AC; filename*1=".txt"\n\n<p>html</p>\n',
  );
  const bs = parseMessage(raw).bodyStructure;
  assert.equal(
    formatBodyStructure(bs, true),
    '("text" "html" ("charset" "UTF-8" "format" "flowed") "<cid@x>" "the html" "7bit" 12 1 "abc" ("inline" ("filename*" "utf-8\'\'%E2%82%AC.txt")) ("en" "de") "http://x/y")',
  );
  assert.equal(bs.filename, '€.txt');
});

test('strings: quoted, or literal for quotes, backslashes, CR/LF and 8-bit', () => {
  assert.equal(imapString('plain'), '"plain"');
  assert.equal(imapString('say "hi"'), '"say \\"hi\\""');
  assert.equal(imapString('a\\b'), '"a\\\\b"');
  assert.equal(imapString('say "hi"', {}, true), '{8}\r\nsay "hi"'); // inside ENVELOPE, as Dovecot
  assert.equal(imapString('two\r\nlines'), '{10}\r\ntwo\r\nlines');
  assert.equal(imapString('é'), '{2}\r\né');
  assert.equal(imapString('é', { utf8: true }), '"é"');
  assert.equal(imapString('nul\x00byte'), '"nulbyte"');
});

test('deep nesting is cut off instead of recursing without bound', () => {
  let raw = 'Subject: deep\r\n';
  for (let i = 0; i < 200; i++) raw += `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`;
  raw += 'Content-Type: text/plain\r\n\r\nleaf\r\n';
  const parsed = parseMessage(Buffer.from(raw));
  let depth = 0;
  for (let part = parsed.bodyStructure; part.parts; part = part.parts[0]) depth++;
  assert.ok(depth <= 64, `depth ${depth}`);
  assert.ok(formatBodyStructure(parsed.bodyStructure, true).startsWith('(('));
});

test('edge cases: default charset appended, RFC 2231 value after plain ones, escaped description', () => {
  const flowed = Buffer.from('Subject: a\r\nContent-Type: text/plain; format=flowed\r\n\r\nhello\r\n');
  assert.equal(
    formatBodyStructure(parseMessage(flowed).bodyStructure, true),
    '("text" "plain" ("format" "flowed" "charset" "us-ascii") NIL NIL "7bit" 7 1 NIL NIL NIL NIL)',
  );
  const extended = Buffer.from(
    'Content-Type: application/pdf; name*=utf-8\'\'%C3%A4.pdf; x-mac-type="50444620"\r\nContent-Transfer-Encoding: Base64\r\n\r\nQUJD\r\n',
  );
  assert.equal(
    formatBodyStructure(parseMessage(extended).bodyStructure, true),
    '("application" "pdf" ("x-mac-type" "50444620" "name*" "utf-8\'\'%C3%A4.pdf") NIL NIL "Base64" 6 NIL NIL NIL NIL)',
  );
  assert.equal(parseMessage(extended).bodyStructure.filename, 'ä.pdf');
  // Boundary with spaces, a delimiter line with trailing whitespace, a description with quotes.
  const spaced = Buffer.from(
    'Content-Type: multipart/alternative; Boundary="a b c"\r\n\r\n--a b c\r\nContent-Type: text/plain\r\n\r\none\r\n--a b c \r\n' +
      'Content-Type: text/plain; charset="iso-8859-1"\r\nContent-Transfer-Encoding: QUOTED-PRINTABLE\r\nContent-Description: a "quoted" desc\r\n\r\ntwo\r\n--a b c--\r\n',
  );
  assert.equal(
    formatBodyStructure(parseMessage(spaced).bodyStructure, true),
    '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 3 0 NIL NIL NIL NIL)("text" "plain" ("charset" "iso-8859-1") NIL "a \\"quoted\\" desc" "QUOTED-PRINTABLE" 3 0 NIL NIL NIL NIL) "alternative" ("Boundary" "a b c") NIL NIL NIL)',
  );
});

test('a base64 message/rfc822 part: its one header line keeps its line break', () => {
  // Body of part 1 = "RnJvbTogeEB5LnRlc3QKClRoZSBib2R5Cg==" (36) + CRLF (2) = 38 octets, 1 line; read
  // as a message it is one header line without a blank line, so an empty text body.
  const raw = Buffer.from(
    'Subject: t4\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nRnJvbTogeEB5LnRlc3QKClRoZSBib2R5Cg==\r\n--x--\r\n',
  );
  assert.equal(
    formatBodyStructure(parseMessage(raw).bodyStructure, true),
    '(("message" "rfc822" NIL NIL NIL "base64" 38 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) 1 NIL NIL NIL NIL) "mixed" ("boundary" "x") NIL NIL NIL)',
  );
});

test('an empty Date or Subject header is an empty string, a missing one NIL', () => {
  const raw = Buffer.from('From: a@b.test\r\nSubject:\r\nDate:\r\n\r\nx\r\n');
  assert.equal(
    formatEnvelope(parseMessage(raw).envelope),
    '("" "" ((NIL NIL "a" "b.test")) ((NIL NIL "a" "b.test")) ((NIL NIL "a" "b.test")) NIL NIL NIL NIL NIL)',
  );
});

test('at most 10,000 parts: the rest of the multipart is left as its epilogue', () => {
  const raw = Buffer.from(
    `Content-Type: multipart/mixed; boundary=x\r\n\r\n${'--x\r\n\r\npart\r\n'.repeat(20_000)}--x--\r\n`,
  );
  const { bodyStructure } = parseMessage(raw);
  assert.equal(bodyStructure.parts?.length, 10_000);
  assert.equal(bodyStructure.bodyEnd, raw.length);
  assert.equal(bodyStructure.parts?.[9_999].size, 4);
});

test('folded header values: each fold becomes one space (Dovecot: "one two three")', () => {
  const raw = Buffer.from('From: a@b.test\r\nSubject: one\r\n\ttwo\r\n   three\r\n\r\nx\r\n');
  assert.equal(parseMessage(raw).envelope.subject, 'one two three');
  assert.match(formatEnvelope(parseMessage(raw).envelope), /^\(NIL "one two three" /);
});
