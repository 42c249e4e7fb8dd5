// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Sieve variables (${name}) are written in plain strings
// RFC 5228 base language: tests, control and the compiler's errors, after Pigeonhole's
// test-*.svtest, control-*.svtest, lexer.svtest and compile/ cases, on scripts and messages of our own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSieve } from '../../server/sieve/index';
import { compileErrors, compileOk, holds, message, pigeonhole, run } from './sieve-harness';

const truth = (msg: ReturnType<typeof message>, requires: string[] = []) => ({
  yes: async (...exprs: string[]) => {
    for (const expr of exprs) assert.equal(await holds(requires, expr, msg), true, `should hold: ${expr}`);
  },
  no: async (...exprs: string[]) => {
    for (const expr of exprs)
      assert.equal(await holds(requires, expr, msg), false, `should not hold: ${expr}`);
  },
});

// --- address (RFC 5228 5.1, 2.7.4)
const addrs = truth(
  message(`From: maria@example.com
To: olaf@se.example.com, pia@no.example.com
cc: Jon <jon(not spam)@is.example>
Subject: Things

Body.
`),
);
pigeonhole('test-address "Basic functionality"', async () => {
  await addrs.yes(
    'address :contains ["to", "from"] "pia"',
    'address :contains ["to", "from"] "no.example"',
    'address :matches "to" "*@*.example.com"',
    'address :is "to" "pia@no.example.com"',
    'address :contains ["to"] ["olaf", "x1", "x2"]',
    'address :contains ["to"] ["x1", "olaf", "x2"]',
    'address :contains ["to"] ["x1", "x2", "olaf"]',
    'address :contains ["from", "to"] ["x1", "olaf"]',
    'address :is "cc" "jon@is.example"',
  );
  await addrs.no('address :is ["to", "from"] "nobody@example.com"');
});
const cases = truth(
  message('From: maria@example.com\nTo: Olaf@se.example.com, pia@NO.EXAMPLE.COM\nSubject: x\n\nx\n'),
);
pigeonhole('test-address "Case-sensitivity"', async () => {
  await cases.yes(
    'address :is ["to", "from"] "olaf@se.example.com"',
    'address :is ["to", "from"] "pia@no.example.com"',
    'address :is ["to", "from"] "MARIA@example.com"',
    'address :is :localpart ["to"] "olaf"',
    'address :is :comparator "i;octet" ["to"] "Olaf@se.example.com"',
    'address :is :comparator "i;octet" ["to"] "pia@NO.EXAMPLE.COM"',
    'address :is :localpart :comparator "i;octet" ["to"] "Olaf"',
    'address :is :domain :comparator "i;octet" ["to"] "NO.EXAMPLE.COM"',
  );
  await cases.no(
    'address :is :comparator "i;octet" ["to"] "pia@no.example.com"',
    'address :is :comparator "i;octet" ["from"] "MARIA@example.com"',
    'address :is :localpart :comparator "i;octet" ["to"] "olaf"',
    'address :is :domain :comparator "i;octet" ["to"] "no.example.com"',
  );
});
const phrases = truth(
  message(`From: Maria Lind <maria(the writer)@example.com>
To: Olaf Berg <olaf@se.example.com>, Pia Holm <pia@no.example.com>
cc: team: a@team.example, b@team.example, c@team.example;
Subject: x

x
`),
);
pigeonhole('test-address "Phrase part, comments and group names"', () =>
  phrases.no(
    'address :contains :all ["to","from"] ["Lind", "Berg", "Holm"]',
    'address :contains :all "from" "writer"',
    'address :contains :all ["cc"] ["team:"]',
    'address :contains :localpart ["cc"] ["team"]',
  ),
);
pigeonhole('test-address "Group addresses"', () =>
  phrases.yes(
    'address :is :domain ["cc"] ["team.example"]',
    'address :is :localpart ["cc"] ["a"]',
    'address :is :localpart ["cc"] ["b"]',
    'address :is :localpart ["cc"] ["c"]',
  ),
);
const many = [
  'from',
  'to',
  'cc',
  'bcc',
  'sender',
  'resent-from',
  'resent-to',
  'reply-to',
  'resent-reply-to',
  'resent-sender',
  'resent-cc',
  'resent-bcc',
  'errors-to',
  'delivered-to',
  'mail-followup-to',
  'x-original-to',
];
pigeonhole('test-address "Address headers"', async () => {
  const text = `${many.map((name, n) => `${name}: box${n}@example.net`).join('\n')}\nSubject: s\n\nx\n`;
  const all = truth(message(text));
  await all.yes(...many.map((name, n) => `address "${name}" "box${n}@example.net"`));
});
const invalid = truth(
  message(
    'From: maria@\nTo: @example.org\nCc: rubbish\nResent-To:\nBcc: ok@example.com, @example.org\nSubject: s\n\nx\n',
  ),
);
pigeonhole('test-address "Invalid addresses"', async () => {
  await invalid.no(
    'address :localpart "from" "maria"',
    'address :domain "to" "example.org"',
    'address :is :localpart "bcc" ""',
    'address :is :domain "cc" "example.org"',
  );
  await invalid.yes('address :is :all "resent-to" ""', 'address :is :all "cc" "rubbish"');
});
pigeonhole('test-address "Default address part"', () =>
  cases.yes(
    'address :is :comparator "i;ascii-casemap" "from" "maria@example.com"',
    'address :is "to" ["pia@no.example.com"]',
  ),
);
pigeonhole('test-address "Mime encoding of \'@\' in display name"', () =>
  truth(
    message(
      'From: "Fake <fake@example.org>"\nTo: =?UTF-8?B?RmFrZUBmYWtlDQo=?=\n <real@example.com>\nSubject: s\n\nx\n',
    ),
  ).yes('address :is "To" ["real@example.com"]'),
);
pigeonhole('test-address "Erroneous mime encoding"', () =>
  truth(
    message(
      'From: x@example.org\nTo: "=?UTF-8?B?IkJhZCBNYWlsZXIi?="\n <list@lists.example.org>\nSubject: s\n\nx\n',
    ),
  ).yes('address :is ["To","CC"] ["list@lists.example.org","other@lists.example.org"]'),
);

// --- header (RFC 5228 5.7)
const hdr = truth(
  message(`From: maria@example.com
Subject: Quux
Comments: Utter nonsense.
Keywords: nonsense, odd, testing
Empty:
Padded:    Text   
Folded: one line
 continued here
 and here.

x
`),
);
pigeonhole('test-header "Basic functionality"', async () => {
  await hdr.yes(
    'header :contains ["Subject", "Comments"] "Quux"',
    'header :contains ["Subject", "Comments"] "nonsense"',
    'header :matches "Keywords" "*, odd, *"',
    'header :is "Comments" "Utter nonsense."',
    'header :contains ["keywords"] ["odd", "x", "y"]',
    'header :contains ["keywords"] ["x", "odd", "y"]',
    'header :contains ["keywords", "subject"] ["x", "odd"]',
    'header :contains ["subject", "keywords"] ["x", "odd"]',
  );
  await hdr.no('header ["subject", "comments", "keywords"] "absurd"');
});
pigeonhole('test-header "Matching empty key"', async () => {
  await hdr.no('header :is "Subject" ""', 'header :contains "X-Absent" ""');
  await hdr.yes('header :contains "Subject" ""', 'header :is "empty" ""');
});
pigeonhole('test-header "Ignoring whitespace"', () => hdr.yes('header :is "padded" "Text"'));
pigeonhole('test-header "Absent or empty header"', async () => {
  await hdr.yes('header :matches "Subject" "?*"');
  await hdr.no('header :matches "Empty" "?*"', 'header :matches "Absent" "?*"');
});
pigeonhole('test-header "Invalid header name"', () =>
  hdr.no('header :contains "subject:" ""', 'header :contains "subj ect" ""'),
);
pigeonhole('test-header "Folded header"', () =>
  hdr.yes('header :is "folded" "one line continued here and here."'),
);

test('header tests see RFC 2047-decoded text; the address test still finds encoded display names', async () => {
  const msg = message(
    'From: =?UTF-8?Q?J=C3=B6rg?= <jorg@example.com>\nSubject: =?ISO-8859-1?Q?Gr=FC=DFe?= aus Bonn\n\nx\n',
  );
  const t = truth(msg);
  await t.yes(
    'header :is "subject" "Grüße aus Bonn"',
    'header :contains "from" "Jörg"',
    'address :is "from" "jorg@example.com"',
  );
});

// --- exists, size
const ex = truth(
  message(
    'From: a@example.org\nTo: b@example.org\nSubject: s\nDate: Mon, 7 Dec 2026 10:00:00 +0000\nResent-To: c@example.org\n\nx\n',
  ),
);
pigeonhole('test-exists "One header"', async () => {
  await ex.yes('exists "from"');
  await ex.no('exists "x-none"');
});
pigeonhole('test-exists "Two headers"', async () => {
  await ex.yes('exists ["from","to"]');
  await ex.no('exists ["from","x-none"]', 'exists ["x-none","to"]', 'exists ["x-none","x-none2"]');
});
pigeonhole('test-exists "Three headers"', async () => {
  await ex.yes('exists ["Subject","date","resent-to"]');
  await ex.no(
    'exists ["x-none","date","resent-to"]',
    'exists ["subject","x-none","resent-to"]',
    'exists ["subject","date","x-none"]',
  );
});
const sized = message('From: a@example.org\nSubject: s\n\nbody\n');
pigeonhole('test-size "Basic functionality"', async () => {
  const s = truth(sized);
  await s.yes('size :under 1000', 'size :over 10');
  await s.no('size :under 10', 'size :over 1000');
});
pigeonhole('test-size "Exact size"', () =>
  truth(sized).no(`size :under ${sized.size}`, `size :over ${sized.size}`),
);

// --- control: if/elsif/else, allof/anyof, stop
const ctl = message('From: maria@example.org\nTo: t@example.net\nSubject: s\n\nx\n');
/** Runs a chain and returns which branch ran ("a", "b" or "c"). */
async function branch(first: string, second: string | null): Promise<string> {
  const chain = `require ["fileinto"];\nif ${first} { fileinto "a"; }${second ? ` elsif ${second} { fileinto "b"; }` : ''} else { fileinto "c"; }`;
  const result = await run(chain, ctl, { mailboxExists: async () => true });
  const action = result.actions.find((a) => a.type === 'fileinto');
  return action && action.type === 'fileinto' ? action.mailbox : '?';
}
pigeonhole('control-if "Basic functionality: if true/false"', async () => {
  assert.equal(await branch('true', null), 'a');
  assert.equal(await branch('false', null), 'c');
  assert.equal(await branch('exists "to"', null), 'a');
  assert.equal(await branch('exists "x-none"', null), 'c');
});
pigeonhole('control-if "Basic functionality: if not true/false"', async () => {
  assert.equal(await branch('not true', null), 'c');
  assert.equal(await branch('not false', null), 'a');
  assert.equal(await branch('not exists "to"', null), 'c');
  assert.equal(await branch('not exists "x-none"', null), 'a');
});
pigeonhole('control-if "Basic functionality: elseif true/false"', async () => {
  assert.equal(await branch('true', 'true'), 'a');
  assert.equal(await branch('true', 'false'), 'a');
  assert.equal(await branch('false', 'true'), 'b');
  assert.equal(await branch('false', 'false'), 'c');
  assert.equal(
    await branch('address :is "from" "maria@example.org"', 'address :contains "from" "maria"'),
    'a',
  );
  assert.equal(
    await branch('address :is "from" "nobody@example.org"', 'address :is "from" "maria@example.org"'),
    'b',
  );
  assert.equal(
    await branch('address :is "from" "nobody@example.org"', 'address :is "to" "maria@example.org"'),
    'c',
  );
});
pigeonhole('control-if "Basic functionality: nesting"', async () => {
  const script = `require "fileinto";
if true { if false { fileinto "wrong1"; } elsif exists "to" { if not true { fileinto "wrong2"; } else { fileinto "right"; } } }
else { fileinto "wrong3"; }`;
  const result = await run(script, ctl, { mailboxExists: async () => true });
  assert.deepEqual(result.actions, [{ type: 'fileinto', mailbox: 'right', flags: [], create: false }]);
});
const t = truth(ctl);
pigeonhole('test-allof "Basic functionality: static"', async () => {
  await t.yes('allof ( true )', 'allof ( true, true, true )');
  await t.no(
    'allof ( false )',
    'allof ( false, false, false )',
    'allof ( true, false, false )',
    'allof ( false, true, false )',
    'allof ( false, false, true )',
    'allof ( true, false, true )',
  );
});
pigeonhole('test-allof "Basic functionality: dynamic"', async () => {
  await t.yes('allof ( exists "to", exists "from" )');
  await t.no('allof ( exists "to", exists "x-none" )', 'allof ( exists "x-none", exists "to" )');
});
pigeonhole('test-allof "Basic functionality: static/dynamic"', async () => {
  await t.yes('allof ( true, exists "to" )');
  await t.no(
    'allof ( false, exists "to" )',
    'allof ( exists "to", false )',
    'allof ( true, exists "x-none" )',
  );
});
pigeonhole('test-allof "Basic functionality: nesting"', async () => {
  await t.yes('allof ( allof ( true, exists "to" ), not allof ( false, true ) )');
  await t.no('allof ( allof ( true, true ), allof ( true, false ) )');
});
pigeonhole('test-anyof "Basic functionality: static"', async () => {
  await t.yes(
    'anyof ( true )',
    'anyof ( true, false, false )',
    'anyof ( false, true, false )',
    'anyof ( false, false, true )',
  );
  await t.no('anyof ( false )', 'anyof ( false, false, false )');
});
pigeonhole('test-anyof "Basic functionality: dynamic"', async () => {
  await t.yes('anyof ( exists "x-none", exists "from" )');
  await t.no('anyof ( exists "x-none", exists "x-none2" )');
});
pigeonhole('test-anyof "Basic functionality: static/dynamic"', async () => {
  await t.yes('anyof ( false, exists "to" )', 'anyof ( true, exists "x-none" )');
  await t.no('anyof ( false, exists "x-none" )');
});
pigeonhole('test-anyof "Basic functionality: nesting"', async () => {
  await t.yes('anyof ( anyof ( false, false ), anyof ( false, exists "to" ) )');
  await t.no('anyof ( anyof ( false, false ), not anyof ( true, false ) )');
});
pigeonhole('control-stop "End processing"', async () => {
  const result = await run('require "fileinto";\nstop;\nfileinto "never";', ctl);
  assert.deepEqual(result.actions, [{ type: 'keep', flags: [] }]);
});

// --- lexer (RFC 5228 2.4.2)
pigeonhole('lexer "String Literal"', async () => {
  const script = `require "variables";
set "multi" text: # a comment
first
.second
..third
.
;
set "quoted" "first
.second
.third
";
if string :is "\${multi}" "\${quoted}" { discard; }`;
  const result = await run(script, ctl);
  assert.deepEqual(result.actions, [{ type: 'discard' }]);
});
pigeonhole('lexer "Unknown Escapes"', async () => {
  assert.equal(await holds(['variables'], 'string :is "\\q\\q\\q" "qqq"', ctl), true);
});

// --- compile/ errors: each marked error refused on its own, each "not an error" accepted.
const refuse = (...scripts: string[]) => {
  for (const script of scripts) compileErrors(script);
};
const accept = (...scripts: string[]) => {
  for (const script of scripts) compileOk(script);
};
pigeonhole('compile/errors "Lexer errors"', () => {
  refuse(
    'if size :under 18446744073709551616 { stop; }',
    'if size :over 180143985094819840k { stop; }',
    'if size :over 34359738368G { stop; }',
    'if size :over 9999999999999999999999999999999 { stop; }',
    'if an_identifier_that_goes_on_and_on_forever { stop; }',
    'if true :a_tagged_argument_name_that_is_absurdly_long_really { stop; }',
  );
  accept('if size :under 18446744073709551615 { stop; }', 'if size :under 800G { stop; }');
});
pigeonhole('compile/errors "Parser errors"', () => {
  refuse(
    'frop :x "a" 2 :y "b";',
    'friep $$$;',
    `${'if true { '.repeat(40)}stop;${' }'.repeat(40)}`,
    `if ${'anyof ( '.repeat(40)}true${' )'.repeat(40)} { stop; }`,
    `if ${'not '.repeat(40)}false { stop; }`,
  );
});
pigeonhole('compile/errors "Header errors"', () => {
  refuse(
    'if header :all "From" "x" { keep; }',
    'if header :is 45 "x" { keep; }',
    'if header :is "From" 45 { keep; }',
    'if header :is "From" :tag { stop; }',
    'if header :is "From" { stop; }',
    'if header :is { keep; }',
    'if header "a" "b" true { discard; }',
    'header "a" "b" { discard; }',
    'header "a" "b";',
  );
  accept('if header :is :comparator "i;ascii-casemap" "a" ["b", "c"] { discard; }');
});
pigeonhole('compile/errors "Address errors"', () => {
  refuse(
    'if address :bogus :localpart "From" "x" { discard; }',
    'if address :is :localpart 45 "x" { discard; }',
    'if address :is :localpart "From" 45 { discard; }',
    'if address :localpart "From" :is { discard; }',
    'if address :is :localpart "From" { discard; }',
    'if address :is :localpart { discard; }',
    'if address :is "x-no-addresses" "y" { keep; }',
    'if address :is ["to", "subject"] "y" { keep; }',
  );
  accept(
    'if address :localpart :is "from" ["a", "b"] { discard; }',
    'if address :is ["to", "reply-to"] "y" { keep; }',
  );
});
pigeonhole('compile/errors "If errors"', () => {
  refuse(
    'if "x" true {}',
    'elsif true {}',
    'if ["a", "b"] false { stop; }',
    'if true;',
    'if { keep; }',
    'if ( false, true ) { keep; }',
    'stop; else { keep; }',
    'elsif true { keep; } else { }',
    'if true { keep; } else { stop; } elsif true { stop; }',
    'if if true { }',
    'if true { stop; } else if false { keep; }',
  );
  accept('if true { keep; } stop;');
});
pigeonhole('compile/errors "Require errors"', () => {
  refuse(
    'require;',
    'require "fileinto" "vacation";',
    'require 45;',
    'require ["_a", "_b"];',
    'require ["redirect", "keep", "discard"];',
    'require "fileinto" true;',
    'require "fileinto" { keep; }',
    'if true { require "fileinto"; }',
    'keep; require "copy";',
  );
  accept('require "fileinto";');
});
pigeonhole('compile/errors "Size errors"', () => {
  refuse(
    'size :under 23;',
    'if size { }',
    'if size 45 { discard; }',
    'if size :under :over 34 { keep; }',
    'if size :over :over 45M { stop; }',
    'if size 34M :over { stop; }',
  );
  accept('if size :over 34K { stop; }', 'if size :under 34M { stop; }', 'if size :under 0 { stop; }');
});
pigeonhole('compile/errors "Envelope errors"', () => {
  refuse(
    'require "envelope"; if envelope :is "bogus" "a@example.org" {}',
    'require "envelope"; if envelope :is ["to","bogus"] "a@example.org" {}',
  );
  accept('require "envelope"; if envelope :is ["to","from"] "a@example.org" {}');
});
pigeonhole('compile/errors "Stop errors"', () => {
  refuse(
    'stop "x";',
    'stop 13;',
    'stop ["a", "b"];',
    'stop true;',
    'stop ( true, false );',
    'stop { keep; }',
    'stop "x" true { stop; }',
  );
  accept('stop;');
});
pigeonhole('compile/errors "Keep errors"', () => {
  refuse('keep "x";', 'keep true;');
  accept('keep;');
});
pigeonhole('compile/errors "Fileinto errors"', () => {
  const r = 'require "fileinto";\n';
  refuse(
    `${r}fileinto;`,
    `${r}fileinto true;`,
    `${r}fileinto "Box" true;`,
    `${r}fileinto 33;`,
    `${r}fileinto :bogus;`,
    `${r}fileinto "Box" "Other";`,
    `${r}fileinto "Box" 123;`,
    `${r}fileinto "Box" :bogus;`,
  );
  accept(`${r}fileinto "Box";`);
});
pigeonhole('compile/errors "COMPARATOR errors"', () => {
  refuse(
    'if address :comparator { }',
    'if address :comparator 1 "from" "x" { }',
    'if address :comparator ["a", "b"] "from" "x" { }',
    'if address :comparator :bogus "from" "x" { }',
    'if address :comparator :all "from" "x" { }',
    'if header :comparator "i;no-such" "from" "x" { }',
  );
});
pigeonhole('compile/errors "ADDRESS-PART errors"', () => {
  refuse(
    'if address :all :domain "from" "x" { stop; }',
    'if address :domain :localpart "from" "x" { keep; }',
  );
});
pigeonhole('compile/errors "MATCH-TYPE errors"', () => {
  refuse(
    'require "comparator-i;ascii-numeric";\nif header :contains :comparator "i;ascii-numeric" "from" "x" { keep; }',
  );
});
pigeonhole('compile/errors "Encoded-character errors"', () => {
  const r = 'require ["encoded-character", "fileinto"];\n';
  refuse(
    `${r}fileinto "Box.\${unicode:200000}";`,
    `${r}fileinto "Box.\${Unicode:DF01}";`,
    `${r}fileinto "Box.\${unicode:333333333}";`,
    `${r}fileinto "Box.\${unicode:33333333333333333}";`,
  );
  accept(`${r}fileinto "Box.\${unicode:200000";`, `${r}fileinto "Box.\${Unicode:DF01";`);
});
pigeonhole('compile/errors "Outgoing address errors"', () => {
  refuse(
    'redirect "@wrong.example.com";',
    'redirect "error";',
    'redirect "error@";',
    'redirect "Some Name error@example.org";',
    'redirect "Some Name <error@example.org";',
    'redirect "@";',
    'redirect "<>";',
    'redirect "Name <";',
    'redirect "a@example.org,b@example.net";',
    'redirect "a@example.org,%&^&!!~";',
    'redirect "jürgen@example.com";',
    'require "vacation";\nvacation :from "Error" "Away.";',
  );
  accept(
    'redirect "Fine Name <ok@example.org>";',
    'redirect "ok@example.com";',
    'redirect " spaced  @  example.com  ";',
    'redirect ".dots@example.com";',
    'redirect "dots...in.between.@example.com";',
    'require "vacation";\nvacation :from "good@example.nl" "Away.";',
  );
});
pigeonhole('compile/errors "Tagged argument errors"', () => {
  refuse(
    'require "envelope"; if envelope :isnt "From" "x" { discard; }',
    'if true :comparator "i;octet" { keep; }',
  );
});
pigeonhole('compile/errors "Typos"', () => {
  refuse(
    'require "fileinto";\nfileinto "a"\nkeep;',
    'require "fileinto";\nfileinto "b"\ntrue;',
    'if address matches "from" "*x*" { stop; }',
  );
});
pigeonhole('compile/errors "Unsupported language features"', () => {
  refuse('require "include";', 'require "regex";');
});
pigeonhole('compile/compile "Trivial"', () => {
  accept(
    'keep;\n# a final comment without newline',
    'Keep;\nKEEP;\nDisCaRD;\nif size :UNDER 34 {}\nif header :Is "from" "x@example.com" {}\nif anyof( size :UNDER 34m, size :oVeR 50M ) {}',
  );
});
pigeonhole('compile/compile "Redirect"', () => {
  accept(
    'redirect " someone@example.org";\nredirect "someone @ example.org ";\nredirect "  Some One  <  someone  @  example.org  > ";',
    'redirect "\\"Some One\\"@example.org";\nredirect "Some.One@eXamPle.oRg";',
  );
});
pigeonhole('compile/recover "Missing semicolons"', () => {
  // Postroom reports the first syntax error only (no recovery), with its position.
  const [error] = compileErrors('keep;\ndiscard;\n# missing semicolon\nkeep\nredirect "a@example.org";');
  assert.deepEqual([error.line, error.column], [4, 1]);
});
pigeonhole('compile/recover "Missing semicolon at end of block"', () => {
  const [error] = compileErrors('if true {\n  if true {\n    keep\n  }\n}');
  assert.deepEqual([error.line, error.column], [4, 3]);
});
pigeonhole('compile/recover "Spurious comma at end of test list"', () => {
  const [error] = compileErrors('if true {\n  if anyof(true,true,true,) {\n  }\n}');
  assert.deepEqual([error.line, error.column], [2, 27]);
});
pigeonhole('compile/warnings "EOF Warnings"', () => accept('keep;\n# no newline at the end'));

test('errors carry line and column, and several validation errors are all reported', () => {
  const result = compileSieve(
    'require "fileinto";\nif header :contains "subject" "x" {\n  fileinto "A";\n  bogus "y";\n}\nvacation "away";\n',
  );
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(
    result.errors.map((e) => [e.line, e.column]),
    [
      [4, 3],
      [6, 1],
    ],
  );
  assert.match(result.errors[1].message, /vacation/);
});

test('a script over the size limit is refused before parsing', () => {
  const big = `# ${'x'.repeat(70 * 1024)}\nkeep;`;
  const result = compileSieve(big);
  assert.equal(result.ok, false);
  assert.equal(compileSieve(big, { maxScriptBytes: 100 * 1024 }).ok, true);
});

test('unterminated strings and comments are reported where they start', () => {
  assert.deepEqual(
    compileErrors('keep;\nif header :is "a" "open\nstring { }').map((e) => [e.line, e.column]),
    [[2, 19]],
  );
  assert.equal(compileErrors('keep; /* never closed')[0].line, 1);
});

test('random token soup never throws, hangs or passes garbage through', () => {
  const pieces = [
    'if',
    'elsif',
    'else',
    'require',
    '"fileinto"',
    'fileinto',
    'header',
    ':is',
    ':matches',
    ':count',
    '"a"',
    '"${1}"',
    '[',
    ']',
    '(',
    ')',
    '{',
    '}',
    ',',
    ';',
    '42',
    '9999999999999999999999',
    'text:\nx\n.\n',
    '#c\n',
    '/*',
    '*/',
    'anyof',
    'not',
    'true',
    'stop',
    ':comparator',
    '"i;octet"',
    '\\',
    '"',
    'vacation',
    ':days',
  ];
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  const started = Date.now();
  for (let round = 0; round < 3000; round++) {
    const length = 1 + (next() % 30);
    const source = Array.from({ length }, () => pieces[next() % pieces.length]).join(' ');
    const result = compileSieve(source);
    if (result.ok) assert.equal(typeof result.script.version, 'number');
    else
      assert.ok(
        result.errors.every((e) => e.line >= 1 && e.column >= 1 && e.message.length > 0),
        source,
      );
  }
  assert.ok(Date.now() - started < 20_000);
});

// --- encoded-character (RFC 5228 2.4.2.4)
const enc = async (expr: string, expected = true) =>
  assert.equal(await holds(['encoded-character', 'variables'], expr, ctl), expected, expr);
pigeonhole('encoded-character "HEX equality one"', async () => {
  await enc('string :comparator "i;octet" "${hex:42}" "B"');
  await enc('string :comparator "i;octet" "${hex:42}" "b"', false);
  await enc('string "${hex:42}" ""', false);
});
pigeonhole('encoded-character "HEX equality one middle"', async () => {
  await enc('string :comparator "i;octet" " ${hex:42} " " B "');
  await enc('string " ${hex:42} " "  "', false);
});
pigeonhole('encoded-character "HEX equality one begin"', () =>
  enc('string :comparator "i;octet" "${hex:42} " "B "'),
);
pigeonhole('encoded-character "HEX equality one end"', () =>
  enc('string :comparator "i;octet" " ${hex:42}" " B"'),
);
pigeonhole('encoded-character "HEX equality two triple"', async () => {
  await enc('string "${hex:4b 69 6d}${hex: 20 4c 65 65}" "Kim Lee"');
  await enc('string "${hex:4b 69 6d}${hex: 20 4c 65 65}" "Tim Lee"', false);
});
pigeonhole('encoded-character "HEX equality braindead"', () =>
  enc('string "${hex:50 6F 73 74 72 6F 6F 6D}" "Postroom"'),
);
pigeonhole('encoded-character "Syntax errors"', async () => {
  for (const text of [
    '$',
    '${',
    '${a',
    '${}',
    '${:}',
    '${hex:}',
    '${unicode:}',
    '${hex:sss}',
    '${unicode:ttt}',
    '${hex:aa aa',
    '${unicode: aaaa aaaa',
  ]) {
    const spelled = text.replace(/^\$/, '${hex:24}');
    await enc(`string :comparator "i;octet" "${text}" "${spelled}"`);
  }
});
pigeonhole('encoded-character "RFC Examples"', async () => {
  await enc('string "$${hex:40}" "$@"');
  await enc('string "${hex: 40 }" "@"');
  await enc('string "${HEX: 40}" "@"');
  await enc('string "${hex:40" "${hex:24}{hex:40"');
  await enc('string "${hex:400}" "${hex:24}{hex:400}"');
  await enc('string "${hex:4${hex:30}}" "${hex: 24}{hex:40}"');
  await enc('string "${unicode:40}" "@"');
  await enc('string "${ unicode:40}" "${hex:24}{ unicode:40}"');
  await enc('string "${UnICoDE:0000040}" "@"');
  await enc('string "${Unicode:Cool}" "${hex:24}{Unicode:Cool}"');
  await enc('string "${unicode:1F600}" "😀"');
});
