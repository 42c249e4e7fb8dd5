// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Sieve variables (${name}) are written in plain strings
// body (RFC 5173), date (RFC 5260 4-5) and index (RFC 5260 6), after Pigeonhole's
// extensions/body/, extensions/date/ and extensions/index/ cases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileErrors, compileOk, holds, message, pigeonhole, run } from './sieve-harness';

const B = ['body', 'relational', 'comparator-i;ascii-numeric', 'variables'];
const expect = async (msg: ReturnType<typeof message>, rows: [string, boolean][], requires = B) => {
  for (const [expr, expected] of rows) assert.equal(await holds(requires, expr, msg), expected, expr);
};

const simple = message('From: a@example.org\nTo: b@example.net\nSubject: s\n\nHello!\n');
pigeonhole('body/basic "The empty line"', () =>
  expect(simple, [
    ['body :raw :is text:\nHello!\n.\n', true],
    ['body :raw :is text:\n\nHello!\n.\n', false],
    ['body :raw :is "Hello"', false],
  ]),
);
pigeonhole('body/basic "Defaults"', () =>
  expect(simple, [
    ['anyof (body :raw "Hello", body :raw "*Hello*")', false],
    ['body :raw :contains "hELLO"', true],
  ]),
);
pigeonhole('body/basic "No body"', () =>
  expect(message('From: a@example.org\nSubject: header only'), [
    ['body :raw :contains ""', false],
    ['body :raw :is ""', false],
    ['body :raw :matches "*"', false],
  ]),
);

const odd = message(`From: a@example.org
Subject: s
Content-Type: multipart/mixed; boundary=fence

Preamble text.
--fence
Content-Type: text/plain

Plain words
--fence
Content-Type: text/odd

Odd words
--fence
Content-Type: text/plain/odd

Plain odd words
--fence--
`);
pigeonhole('body/content "Basic Match"', () =>
  expect(odd, [
    ['body :content "text/plain" :matches "Plain words*"', true],
    ['body :content "text/plain" :contains ""', true],
    ['body :content "text/odd" :contains ""', true],
  ]),
);
pigeonhole('body/content "Begin Slash"', () => expect(odd, [['body :content "/plain" :contains ""', false]]));
pigeonhole('body/content "End Slash"', () => expect(odd, [['body :content "text/" :contains ""', false]]));
pigeonhole('body/content "Double Slash"', () =>
  expect(odd, [['body :content "text/plain/odd" :contains ""', false]]),
);

const mixed = message(`From: a@example.org
Subject: s
Content-Type: multipart/mixed; boundary=edge

Preamble.
--edge
Content-Type: text/plain

A plain message.
--edge
Content-Type: text/html

<html><body>Some HTML</body></html>
--edge
Content-Type: application/sieve

keep;
--edge--
`);
pigeonhole('body/content "Full Content Type"', () =>
  expect(mixed, [
    ['body :content "text/plain" :matches "A plain message.*"', true],
    ['body :content "text/plain" :matches "<html><body>Some HTML</body></html>*"', false],
    ['body :content "text/html" :matches "<html><body>Some HTML</body></html>*"', true],
    ['body :content "text/html" :matches "Some HTML*"', false],
  ]),
);
pigeonhole('body/content "Empty Content Type"', () =>
  expect(mixed, [
    ['body :content "" :matches "A plain message.*"', true],
    ['body :content "" :matches "keep;*"', true],
    ['body :content "" :matches "*nonsense*"', false],
  ]),
);
pigeonhole('body/content "Main Content Type"', () =>
  expect(mixed, [
    ['body :content "text" :matches "<html><body>Some HTML</body></html>*"', true],
    ['body :content "text" :matches "keep;*"', false],
  ]),
);

const nested = message(`From: a@example.org
Subject: s
Content-Type: multipart/mixed; boundary=outer

Outer prologue here.
--outer
Content-Type: multipart/alternative; boundary=inner

Inner prologue here.
--inner
Content-Type: text/plain; charset="us-ascii"

Greetings
--inner
Content-Type: text/html; charset="us-ascii"

<html><body>HTML Greetings</body></html>
--inner
Content-Type: application/xhtml+xml; charset="us-ascii"

<html><body>XHTML Greetings</body></html>
--inner--
Inner epilogue here.
--outer
Content-Type: message/rfc822

From: Somebody Else
Subject: a long subject that is
 folded

Please send greetings
--outer--
Outer epilogue here.
`);
pigeonhole('body/content "Nested Search"', () =>
  expect(nested, [
    ['body :content "text/plain" :matches "Greetings*"', true],
    ['body :content "text/html" :matches "<html><body>HTML Greetings</body></html>*"', true],
    ['body :content "text/html" :matches "Greetings*"', false],
    ['body :content "text" :contains "html"', true],
    ['body :content "text/plain" :contains "please send greetings"', true],
    ['body :content "text" :count "eq" :comparator "i;ascii-numeric" "3"', true],
  ]),
);
pigeonhole('body/content "Multipart Content"', () =>
  expect(nested, [
    ['body :content "multipart" :contains "Outer prologue here"', true],
    ['body :content "multipart" :contains "Inner prologue here"', true],
    ['body :content "multipart" :contains "Inner epilogue here"', true],
    ['body :content "multipart" :contains "Outer epilogue here."', true],
    ['body :content "multipart" :contains "--inner"', false],
    ['body :content "multipart" :contains "--outer"', false],
  ]),
);
pigeonhole('body/content "Content-Type: message/rfc822"', () =>
  expect(nested, [
    ['body :content "message/rfc822" :contains "From: Somebody Else"', true],
    [
      'body :content "message/rfc822" :is text:\nFrom: Somebody Else\nSubject: a long subject that is\n folded\n.\n',
      true,
    ],
  ]),
);
pigeonhole('body/text "Basic Match"', () =>
  expect(odd, [
    ['body :text :contains "Plain words"', true],
    ['body :text :contains "Odd words"', true],
  ]),
);
pigeonhole('body/text "Double Slash"', () =>
  expect(odd, [['body :text :contains "Plain odd words"', false]]),
);
pigeonhole('body/text "Full Content Type"', () =>
  expect(mixed, [
    ['body :text :contains "A plain message"', true],
    ['body :text :contains "Some HTML"', true],
    ['body :text :contains "<html>"', false],
    ['body :text :contains "keep;"', false],
  ]),
);
pigeonhole('body/text "Nested Search"', () =>
  expect(nested, [
    ['body :text :contains "Greetings"', true],
    ['body :text :contains "HTML Greetings"', true],
    ['body :text :contains "XHTML Greetings"', true],
    ['body :text :contains ["<html>", "body"]', false],
    ['body :text :contains "Please send greetings"', true],
    ['body :text :contains "prologue"', false],
  ]),
);
pigeonhole('body/text "Nested Search" (broken/empty parts)', () =>
  expect(
    message(`From: a@example.org
Subject: s
Content-Type: multipart/mixed; boundary=outer

Prologue with MIME in it.
--outer
Content-Type: text/html

--outer
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: multipart/related

<html><body>Please say Hi</body></html>
--outer--
`),
    [
      ['body :text :contains "Hi"', false],
      ['body :text :contains "MIME"', false],
    ],
  ),
);
pigeonhole('body/raw "Multipart Boundaries"', () =>
  expect(nested, [
    ['body :raw :contains "--inner"', true],
    ['body :raw :contains "--outer"', true],
  ]),
);
pigeonhole('body/raw "Multipart Headers"', () =>
  expect(nested, [
    ['body :raw :contains "boundary=inner"', true],
    ['body :raw :contains "rfc822"', true],
  ]),
);
pigeonhole('body/raw "Multipart Content"', () =>
  expect(nested, [['body :raw :contains "<html><body>HTML Greetings</body></html>"', true]]),
);

const captured = message('From: kim@example.org\nSubject: s\n\nThe big bad body test.\n');
const captureScript = (first: string) =>
  `require ["body", "variables"];\n${first}\nif body :raw :matches "The * bad * test*" { if string :is "\${1}" "\${want}" { discard; } }`;
pigeonhole('body/match-values "Match values disabled"', async () => {
  const result = await run(captureScript('set "want" "";'), captured);
  assert.deepEqual(result.actions, [{ type: 'discard' }]);
});
pigeonhole('body/match-values "Match values re-enabled"', async () => {
  assert.equal(
    await holds(
      ['variables'],
      'allof (header :matches "from" "*@*", string :is "${1}|${2}" "kim|example.org")',
      captured,
    ),
    true,
  );
});
pigeonhole('body/match-values "Match values retained"', async () => {
  const result = await run(
    captureScript('set "want" "kim";\nif not header :matches "from" "*@*" { stop; }'),
    captured,
  );
  assert.deepEqual(result.actions, [{ type: 'discard' }]);
});
pigeonhole('body/errors "Invalid Syntax"', () => {
  for (const bad of [
    'if body { }',
    'if body 3 { }',
    'if body "a" "b" { }',
    'if body :bogus { }',
    'if body :bogus "a" { }',
    'if body :content { }',
    'if body :content "a" { }',
    'if body :content 3 "a" { }',
    'if body :content :bogus "a" { }',
    'if body :content :contains "a" { }',
    'if body :content "a" :raw "a" { }',
  ]) {
    compileErrors(`require "body";\n${bad}`);
  }
  compileOk('require "body";\nif body "a" { }');
  compileErrors('if body "a" { }');
});

test('body tests decode transfer encodings and charsets, and read no further than the cap', async () => {
  const msg = message(
    'From: a@example.org\nSubject: s\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nGr=FC=DFe aus K=F6ln\n',
  );
  assert.equal(await holds(['body'], 'body :contains "Grüße aus Köln"', msg), true);
  const b64 = message(
    `From: a@example.org\nSubject: s\nContent-Transfer-Encoding: base64\n\n${Buffer.from('secret word').toString('base64')}\n`,
  );
  assert.equal(await holds(['body'], 'body :text :contains "secret word"', b64), true);
  const long = message(`From: a@example.org\nSubject: s\n\n${'x'.repeat(5000)}needle\n`);
  const script = 'require "body";\nif body :raw :contains "needle" { discard; }';
  const capped = await run(script, long, { mailboxExists: async () => true, limits: { maxBodyBytes: 1000 } });
  assert.deepEqual(capped.actions, [{ type: 'keep', flags: [] }]);
  const full = await run(script, long);
  assert.deepEqual(full.actions, [{ type: 'discard' }]);
});

// --- date
const dated = message(`From: a@example.org
Subject: s
Date: Mon, 20 Jul 2009 21:44:43 +0300
Delivery-Date: Wed, 22 Jul 2009 23:30:14 +0300
Invalid-Date: Moo, 34 Juul 3060 25:30:42 +6600

x
`);
const D = ['date', 'variables', 'relational', 'index'];
const dateRows = (rows: [string, boolean][]) => expect(dated, rows, D);
pigeonhole('date/basic "Defaults"', () =>
  dateRows([
    ['date :originalzone "date" "std11" "mon, 20 jul 2009 21:44:43 +0300"', true],
    ['anyof (date "date" "std11" "Mon", date "date" "std11" "*")', false],
  ]),
);
pigeonhole('date/basic "Count"', () =>
  dateRows([
    ['date :count "eq" "date" "date" "1"', true],
    ['date :count "eq" "resent-date" "date" "0"', true],
  ]),
);
pigeonhole('date/basic "Invalid"', () => dateRows([['date :matches "invalid-date" "std11" "*"', false]]));
pigeonhole('date/basic "Comparison"', () =>
  dateRows([
    ['date :originalzone :is "delivery-date" "date" "2009-07-22"', true],
    ['date :originalzone :value "ge" "delivery-date" "date" "2009-07-22"', true],
    ['date :originalzone :value "ge" "delivery-date" "date" "2009-07-21"', true],
    ['date :originalzone :value "ge" "date" "date" "2006-07-22"', true],
    ['date :originalzone :value "le" "delivery-date" "date" "2009-07-23"', true],
    ['date :originalzone :value "le" "date" "date" "2012-07-22"', true],
    ['date :originalzone :value "gt" "delivery-date" "date" "2009-07-22"', false],
  ]),
);
const part = (name: string, expected: string, title = name) =>
  pigeonhole(`date/date-parts "${title}"`, () =>
    dateRows([[`date :originalzone "date" "${name}" "${expected}"`, true]]),
  );
part('year', '2009', 'Year');
part('month', '07', 'Month');
part('day', '20', 'Day');
part('date', '2009-07-20', 'Date');
pigeonhole('date/date-parts "Julian"', () =>
  dateRows([
    ['date :originalzone "date" "julian" "55032"', true],
    ['date :originalzone "delivery-date" "julian" "55034"', true],
  ]),
);
part('hour', '21', 'Hour');
part('minute', '44', 'Minute');
part('second', '43', 'Second');
part('time', '21:44:43', 'Time');
part('iso8601', '2009-07-20T21:44:43+03:00', 'ISO8601');
part('std11', 'Mon, 20 Jul 2009 21:44:43 +0300', 'STD11');
pigeonhole('date/date-parts "zone"', () =>
  dateRows([
    ['date :originalzone "date" "zone" "+0300"', true],
    ['date :zone "+0200" "date" "zone" "+0200"', true],
  ]),
);
part('weekday', '1', 'Weekday');
pigeonhole('date/zones "Local-Zone"', () => dateRows([['currentdate :matches "zone" "*"', true]]));
pigeonhole('date/zones "Specified Zone"', () =>
  dateRows([
    ['date :zone "+0200" "date" "zone" "+0200"', true],
    ['date :zone "+0200" "date" "time" "20:44:43"', true],
    ['date :zone "-0130" "date" "time" "17:14:43"', true],
  ]),
);
pigeonhole('date/zones "Original Zone"', () =>
  dateRows([
    ['date :originalzone "date" "zone" "+0300"', true],
    ['date :originalzone "date" "time" "21:44:43"', true],
  ]),
);
pigeonhole('date/zones "Local Zone Shift"', async () => {
  // The test process runs in the machine's zone; compare with what the clock says it is.
  const offset = -new Date('2009-07-22T20:30:14Z').getTimezoneOffset();
  const local = new Date(Date.parse('2009-07-22T20:30:14Z') + offset * 60_000);
  const zone = `${offset < 0 ? '-' : '+'}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}${String(Math.abs(offset) % 60).padStart(2, '0')}`;
  const iso = `${local.toISOString().slice(0, 19)}${zone.slice(0, 3)}:${zone.slice(3)}`;
  await dateRows([[`date "delivery-date" "iso8601" "${iso}"`, true]]);
});
test('currentdate is the time of delivery; :zone shifts it', async () => {
  const msg = message('Subject: s\n\nx\n', { receivedAt: new Date('2026-12-07T23:30:00Z') });
  await expect(
    msg,
    [
      ['currentdate :zone "+0100" "date" "2026-12-08"', true],
      ['currentdate :zone "+0000" "weekday" "1"', true],
      ['currentdate :zone "+0000" :value "ge" "date" "2026-01-01"', true],
    ],
    D,
  );
  compileErrors('require "date";\nif currentdate :zone "bogus" "date" "x" {}');
  compileErrors('require "date";\nif date "date" "fortnight" "x" {}');
});

// --- index
const indexed = message(`To: one@example.com
X-A: First
Received: from a by b; Wed, 12 Nov 2014 18:18:31 +0100
To: two@example.com
X-A: Second
Received: from a by b; Wed, 12 Nov 2014 18:18:30 +0100
To: three@example.com
X-A: Third
Received: from a by b; Wed, 12 Nov 2014 18:18:29 +0100
X-A: Fourth
To: four@example.com
Received: from a by b;
 Wed, 12 Nov 2014 18:18:28 +0100
Subject: s

x
`);
const idx = (rows: [string, boolean][]) => expect(indexed, rows, D);
pigeonhole('index/basic "Header :index"', () =>
  idx([
    ['header :index 3 "x-a" "Third"', true],
    ['header :index 3 "x-a" ["First", "Second", "Fourth"]', false],
  ]),
);
pigeonhole('index/basic "Header :index :last"', () =>
  idx([
    ['header :index 3 :last "x-a" "Second"', true],
    ['header :index 3 :last "x-a" ["First", "Third", "Fourth"]', false],
  ]),
);
pigeonhole('index/basic "Address :index"', () =>
  idx([
    ['address :localpart :index 2 "to" "two"', true],
    ['address :localpart :index 2 "to" ["one", "three", "four"]', false],
  ]),
);
pigeonhole('index/basic "Address :index :last"', () =>
  idx([
    ['address :localpart :index 2 :last "to" "three"', true],
    ['address :localpart :index 2 :last "to" ["one", "two", "four"]', false],
  ]),
);
pigeonhole('index/basic "Date :index"', () =>
  idx([
    ['date :index 1 "received" "second" "31"', true],
    ['date :index 1 "received" "second" ["30", "29", "28"]', false],
  ]),
);
pigeonhole('index/basic "Date :index :last"', () =>
  idx([
    ['date :index 1 :last "received" "second" "28"', true],
    ['date :index 1 :last "received" "second" ["31", "30", "29"]', false],
  ]),
);
pigeonhole('index/errors "Invalid Syntax"', () => {
  const r = 'require ["date", "index"];\n';
  compileOk(`${r}if header :last :index 2 "to" "ok" { }\nif header :index 444 :last "to" "ok" { }`);
  for (const bad of [
    'if header :index "to" "ok" {}',
    'if header :index :last "to" "ok" {}',
    'if header :index "x" "to" "ok" {}',
    'if header :last "to" "ok" {}',
    'if header :index 0 "to" "ok" {}',
    'if header :index 0 :last "to" "ok" {}',
  ]) {
    compileErrors(r + bad);
  }
  compileErrors('if header :index 1 "to" "ok" {}');
});
