// envelope (RFC 5228 5.4) and relational (RFC 5231), after Pigeonhole's extensions/envelope.svtest
// and extensions/relational/ cases.
import assert from 'node:assert/strict';
import { compileErrors, holds, message, pigeonhole } from './sieve-harness';

const body = 'From: a@example.org\nSubject: s\n\nx\n';
const env = (from: string, to = 'user@example.org') => message(body, { envelopeFrom: from, envelopeTo: to });
const check = async (from: string, to: string, expr: string, expected: boolean) =>
  assert.equal(
    await holds(['envelope'], expr, env(from, to)),
    expected,
    `${expr} with from=${from} to=${to}`,
  );

pigeonhole('envelope "Envelope - from empty"', async () => {
  for (const from of ['', '<>']) {
    for (const expr of [
      'envelope :all :is "from" ""',
      'envelope :all :contains "from" ""',
      'envelope :domain :is "from" ""',
      'envelope :domain :contains "from" ""',
    ]) {
      await check(from, 'u@example.org', expr, true);
    }
    await check(from, 'u@example.org', 'envelope :all :is "from" "someone@example.org"', false);
  }
});
pigeonhole('envelope "Envelope - invalid paths"', async () => {
  await check('broken@', 'alsobroken@', 'envelope :all :is "from" "broken@"', false);
  await check('broken@', 'alsobroken@', 'envelope :all :is "to" "alsobroken@"', false);
});
pigeonhole('envelope "Envelope - syntax errors"', async () => {
  await check('<kim@example.org>', 'u@example.org', 'envelope :all :is "from" "kim@example.org"', true);
  for (const bad of ['<<kim@example.org>', 'kim@example.org>', '<kim@example.org']) {
    await check(bad, 'u@example.org', 'envelope :all :is "from" "kim@example.org"', false);
  }
  for (const bad of ['<kim example.org>', '<kim@@example.org>']) {
    await check(bad, 'u@example.org', 'envelope :domain :contains "from" "example"', false);
  }
});
pigeonhole('envelope "Envelope - source route"', async () => {
  for (const route of [
    '<@relay.example.org:kim@example.org>',
    '<@a.example,@b.example:kim@example.org>',
    '<@a.example,@b.example,@c.example:kim@example.org>',
  ]) {
    await check(route, 'u@example.org', 'envelope :localpart :is "from" "kim"', true);
  }
});
pigeonhole('envelope "Envelope - source route errors"', async () => {
  for (const bad of [
    '<relay.example.org:kim@example.org>',
    '<@.example.org:kim@example.org>',
    '<@relay..example:kim@example.org>',
    '<@relay.example.orgkim@example.org>',
    '<@a.example@b.example:kim@example.org>',
    '<@a.example,b.example:kim@example.org>',
    '<@a.example,@b.example,kim@example.org>',
  ]) {
    await check('s@example.net', bad, 'envelope :domain :contains "to" ""', false);
  }
});
pigeonhole('envelope "Envelope - local part only"', async () => {
  await check('s@example.net', '<MAILER-DAEMON>', 'envelope :is "to" "MAILER-DAEMON"', true);
  await check('s@example.net', 'MAILER-DAEMON@', 'envelope :is "to" "MAILER-DAEMON"', false);
});
pigeonhole('envelope "Envelope - Japanese localpart"', async () => {
  for (const local of ['.dot', 'dot.', 'many...dots', '..both...ends..']) {
    await check('s@example.net', `${local}@example.com`, `envelope :localpart :is "to" "${local}"`, true);
  }
});
pigeonhole('envelope "Envelope - Non-standard hostnames"', async () => {
  for (const domain of ['_example.com', 'ex_ample.com', 'example_.com', '-example.com', 'example-.com']) {
    await check('s@example.net', `kim@${domain}`, `envelope :domain :is "to" "${domain}"`, true);
  }
});

const rel = message(`From: a@example.org
To: b@example.org
Cc: c@example.org
CC: d@example.org
X-Score: 300
X-Pair: 1000
X-Pair: 20
X-Letters: abcdzyx
${'abcdefghijklmnopqrstuvwxyz'
  .split('')
  .map((c) => `X-Count: ${c}`)
  .join('\n')}
Subject: s
Empty:

x
`);
const R = ['relational', 'comparator-i;ascii-numeric'];
const num = ':comparator "i;ascii-numeric"';
const is = async (expr: string, expected: boolean) => assert.equal(await holds(R, expr, rel), expected, expr);

pigeonhole('relational/basic "Value \\"\\" eq 40 (vs)"', async () => {
  await is(`header :value "eq" ${num} "empty" "40"`, false);
  await is(`header :value "gt" ${num} "x-score" ""`, false);
});
pigeonhole('relational/basic "Value 300 eq 2"', () => is(`header :value "eq" ${num} "x-score" "2"`, false));
pigeonhole('relational/basic "Value 300 lt 2"', () => is(`header :value "lt" ${num} "x-score" "2"`, false));
pigeonhole('relational/basic "Value 300 le 300"', () =>
  is(`header :value "le" ${num} "x-score" "300"`, true),
);
pigeonhole('relational/basic "Value 300 le 302"', () =>
  is(`header :value "le" ${num} "x-score" "302"`, true),
);
pigeonhole('relational/basic "Value 302 le 00302"', () =>
  is(`header :value "le" ${num} "x-score" "00302"`, true),
);
pigeonhole('relational/basic "Value {1000,20} le 300"', () =>
  is(`header :value "le" ${num} "x-pair" "300"`, true),
);
pigeonhole('relational/basic "Value {1000,20} lt 3"', () =>
  is(`header :value "lt" ${num} "x-pair" "3"`, false),
);
pigeonhole('relational/basic "Value {1000,20} gt 3000"', () =>
  is(`header :value "gt" ${num} "x-pair" "3000"`, false),
);
pigeonhole('relational/basic "Value {1000,20} gt {3000,30}"', () =>
  is(`header :value "gt" ${num} "x-pair" ["3000","30"]`, true),
);
pigeonhole('relational/basic "Value {1000,20} lt {3, 19})"', () =>
  is(`header :value "lt" ${num} "x-pair" ["3","19"]`, false),
);
pigeonhole('relational/basic "Value {1000,20} gt {3000,1001}"', () =>
  is(`header :value "gt" ${num} "x-pair" ["3000","1001"]`, false),
);
pigeonhole('relational/basic "Value abcdzyz gt aaaaaaa"', () =>
  is('header :value "gt" :comparator "i;octet" "x-letters" "aaaaaaa"', true),
);
pigeonhole('relational/basic "Count 2 ne 2"', () => is(`header :count "ne" ${num} "cc" "2"`, false));
pigeonhole('relational/basic "Count 2 ge 2"', () => is(`header :count "ge" ${num} "cc" "2"`, true));
pigeonhole('relational/basic "Count 2 ge 002"', () => is(`header :count "ge" ${num} "cc" "002"`, true));
pigeonhole('relational/basic "Count 26 lt {4,5,6,10,20}"', () =>
  is(`header :count "lt" ${num} "x-count" ["4","5","6","10","20"]`, false),
);
pigeonhole('relational/basic "Count 26 lt {4,5,6,10,20,100}"', () =>
  is(`header :count "lt" ${num} "x-count" ["4","5","6","10","20","100"]`, true),
);

const str = async (comparator: string, rows: [string, string, string, boolean][]) => {
  for (const [rel2, a, b, expected] of rows) {
    const expr = `string :comparator "${comparator}" :value "${rel2}" "${a}" "${b}"`;
    assert.equal(await holds(['variables', ...R], expr, rel), expected, expr);
  }
};
const ordered: [string, string, string, boolean][] = [
  ['eq', '', '', true],
  ['gt', 'a', '', true],
  ['lt', '', 'a', true],
  ['gt', 'ab', 'a', true],
  ['lt', 'a', 'ab', true],
  ['gt', 'ba', 'ab', true],
  ['eq', 'abcd', 'abcd', true],
  ['lt', 'abcce', 'abcde', true],
  ['lt', 'abcce', 'abcd', true],
  ['gt', 'abcd', 'abcce', true],
];
pigeonhole('relational/comparators "i;octet"', () => str('i;octet', [...ordered, ['lt', 'Z', 'b', true]]));
pigeonhole('relational/comparators "i;ascii-casemap"', () =>
  str('i;ascii-casemap', [...ordered, ['gt', 'Z', 'b', true]]),
);
pigeonhole('relational/comparators "i;ascii-numeric"', () =>
  str('i;ascii-numeric', [
    ['eq', '', '', true],
    ['eq', 'a', '', true],
    ['eq', 'a', 'b', true],
    ['eq', 'a', '0', false],
    ['ne', '0', 'a', true],
    ['lt', 'a', '0', false],
    ['lt', '0', 'a', true],
    ['gt', 'a', '0', true],
    ['ge', '0', 'a', false],
    ['le', '0', 'a', true],
    ['gt', '2', '1', true],
    ['lt', '65535', '65635', true],
    ['eq', '0', '000', true],
    ['eq', '0002', '02', true],
    ['gt', '2', '001', true],
    ['lt', '1', '002', true],
  ]),
);
pigeonhole('relational/rfc "Example 1"', async () => {
  const m = message(
    'Received: one\nReceived: two\nSubject: example\nTo: p@example.com, q@example.com\nCC: r@example.com\n\nx\n',
  );
  const h = async (expr: string, expected: boolean) => assert.equal(await holds(R, expr, m), expected, expr);
  await h(`address :count "ge" ${num} ["to", "cc"] ["3"]`, true);
  await h(`anyof (address :count "ge" ${num} ["to"] ["3"], address :count "ge" ${num} ["cc"] ["3"])`, false);
  await h(`header :count "ge" ${num} ["received"] ["3"]`, false);
  await h(`header :count "ge" ${num} ["received", "subject"] ["3"]`, true);
  await h(`header :count "ge" ${num} ["to", "cc"] ["3"]`, false);
});
pigeonhole('relational/errors "Syntax errors"', () => {
  compileErrors(
    'require ["relational", "comparator-i;ascii-numeric"];\nif address :count "eq" ;comparator "i;ascii-numeric" "to" "3" { }',
  );
  compileErrors(
    'require ["relational", "comparator-i;ascii-numeric"];\nif not address :comparator "i;ascii-numeric" :value e "to" "3" { }',
  );
});
pigeonhole('relational/errors "Validation errors"', () => {
  compileErrors('require "relational";\nif header :value "gr" "from" "x" { keep; }');
  compileErrors('require "relational";\nif header :count "lf" "from" "x" { keep; }');
  compileErrors('if header :count "eq" "from" "1" { keep; }');
});
