// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Sieve variables (${name}) are written in plain strings
// variables (RFC 5229) and imap4flags (RFC 5232), after Pigeonhole's extensions/variables/ and
// extensions/imap4flags/ cases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileErrors, compileOk, env, message, pigeonhole, run } from './sieve-harness';

const plain = message('From: kim@example.org\nTo: lee@example.com\nSubject: Variables\n\nx\n');
const REQ = 'require ["variables", "imap4flags", "relational", "comparator-i;ascii-numeric", "fileinto"];\n';
const N = ':comparator "i;ascii-numeric"';

/**
 * Runs a script in which every `fail "why";` files into a mailbox named after the reason; only
 * INBOX exists, so a reached `fail` surfaces as a runtime error naming it (a compact test_fail).
 */
async function expectNoFailures(body: string, msg = plain): Promise<void> {
  const script = REQ + body.replace(/fail "([^"]*)";/g, 'fileinto :copy "FAIL $1";');
  const result = await run(
    script.replace('"fileinto"];', '"fileinto", "copy"];'),
    msg,
    env(['INBOX'], undefined),
  );
  const failures = result.actions.filter((a) => a.type === 'fileinto' && a.mailbox.startsWith('FAIL'));
  assert.deepEqual(result.errors, []);
  assert.deepEqual(failures, [], 'failed checks');
}
// Every fileinto target exists for these runs.
const anyMailbox = { mailboxExists: async () => true };
async function runAny(body: string, msg = plain) {
  return run(REQ + body, msg, anyMailbox);
}

// --- variables/basic
pigeonhole('variables/basic "Unknown variables"', () =>
  expectNoFailures(
    'set "q" "a"; set "qw" "bb";\nif anyof (not string "[${qwerty}]" "[]", not string "[${20}]" "[]") { fail "unknown"; }',
  ),
);
pigeonhole('variables/basic "One pass"', () =>
  expectNoFailures(
    'set "something" "value"; set "s" "$";\nif string "${s}{something}" "value" { fail "rescanned"; }\nif not string :matches "${s}{something}" "?{something}" { fail "odd"; }',
  ),
);
pigeonhole('variables/basic "Syntax errors"', () =>
  expectNoFailures(
    'set "s" "$";\nif anyof (not string "$" "${s}", not string "${" "${s}{", not string "${a" "${s}{a", not string "${$}" "${s}{$}", not string "${%%}" "${s}{%%}", not string "${0.s}" "${s}{0.s}", not string "&%${}!" "&%${s}{}!", not string "${doh!}" "${s}{doh!}") { fail "changed"; }',
  ),
);
pigeonhole('variables/basic "RFC syntax examples"', () =>
  expectNoFailures(
    'set "firm" "ACME";\nif not string :is "${whole}" "" { fail "1"; }\nif not string :is "${firm}" "ACME" { fail "2"; }\nif not string :is "${BAD${Firm}" "${BADACME" { fail "3"; }\nif not string "${Boss, ${Firm} Inc.}" "${Boss, ACME Inc.}" { fail "4"; }',
  ),
);
pigeonhole('variables/basic "Basic assignment"', () =>
  expectNoFailures(
    'set "t" "Value";\nif not string :is "${t}" "Value" { fail "1"; }\nif string :is :comparator "i;octet" "${t}" "value" { fail "2"; }',
  ),
);
pigeonhole('variables/basic "Assignment overwritten"', () =>
  expectNoFailures(
    'set "t" "Value"; set "t" "More";\nif not string :is "${t}" "More" { fail "1"; }\nif string :is "${t}" "Value" { fail "2"; }',
  ),
);
pigeonhole('variables/basic "Two assignments"', () =>
  expectNoFailures(
    'set "t" "Value"; set "t2" "More";\nif not string :is "${t}" "Value" { fail "1"; }\nif string :is "${t}" "More" { fail "2"; }',
  ),
);
pigeonhole('variables/basic "Variables case-insensitive"', () =>
  expectNoFailures(
    'set "MiXeDcAsEnAmE" "v";\nif not string "${mixedcasename}" "v" { fail "1"; }\nif not string "${MIXEDCASENAME}" "v" { fail "2"; }',
  ),
);
pigeonhole('variables/basic "RFC set command example"', () =>
  expectNoFailures(
    'set "title" "Ms"; set "last" "Runner";\nset "away" text:\nHello ${TITLE} ${last},\nI am away.\n.\n;\nif not string :is :comparator "i;octet" "${AwAy}" text:\nHello Ms Runner,\nI am away.\n.\n{ fail "text"; }',
  ),
);
pigeonhole('variables/basic "Multi-line string substitution"', () =>
  expectNoFailures(
    'set "name" "Kim Lee"; set "addr" "kim@example.org";\nset "msg" text: # with substitutions\nFrom: ${name} <${addr}>\nBody.\n.\n;\nif not string :is "${msg}" text:\nFrom: Kim Lee <kim@example.org>\nBody.\n.\n{ fail "multi"; }',
  ),
);
pigeonhole('variables/basic "Multiple substitutions"', () =>
  expectNoFailures(
    'set "a" "the cat"; set "b" "a fish"; set "e" "eats";\nif not string :is "${a} ${e} ${b}" "the cat eats a fish" { fail "1"; }\nset :upperfirst "s" "${a} ${e} ${b}";\nif not string :is :comparator "i;octet" "${s}" "The cat eats a fish" { fail "2"; }',
  ),
);

// --- variables/match
pigeonhole('variables/match "RFC - leading zeroes"', () =>
  expectNoFailures(
    'if not string :matches "x:y:z" "*:*:*" { fail "1"; }\nif not string :is "${0000002}" "y" { fail "2"; }',
  ),
);
pigeonhole('variables/match "RFC - not greedy"', () =>
  expectNoFailures(
    'if not string :matches "abcd....abcd......abcd.." "?*abcd*" { fail "1"; }\nif not string :is "${1}|${2}|${3}" "a|bcd....|......abcd.." { fail "2"; }',
  ),
);
pigeonhole('variables/match "RFC - index out of range"', () =>
  expectNoFailures('if not string :matches "t" "*" { fail "1"; }\nif not string :is "${2}" "" { fail "2"; }'),
);
pigeonhole('variables/match "RFC - index 0"', () =>
  expectNoFailures(
    'if not string :matches "a b c" "? ? ?" { fail "1"; }\nif not string :is "${0}" "a b c" { fail "2"; }',
  ),
);
pigeonhole('variables/match "RFC - test short-circuit"', () =>
  expectNoFailures(
    'if not anyof (string :matches "a b c" "? ?", string :matches "xy ab xy ab" "x*b", string :matches "q r q" "q*q") { fail "1"; }\nif not string :is "${1}" "y ab xy a" { fail "2"; }',
  ),
);
pigeonhole('variables/match "RFC - values overwrite"', () =>
  expectNoFailures(
    'set "s1" "the bird sits on the fence"; set "s2" "the fox runs to the den in the wood";\nif not string :matches "${s1}" "the * sits on the *" { fail "1"; }\nif not string :is "${1}:${2}" "bird:fence" { fail "2"; }\nif string :matches "${s2}" "the * runs to the * in the town" { fail "3"; }\nif not string :is "${1}:${2}" "bird:fence" { fail "4"; }\nif not string :matches "${s2}" "the * runs to the * in the wood" { fail "5"; }\nif not string :is "${1}:${2}" "fox:den" { fail "6"; }',
  ),
);
pigeonhole('variables/match "RFC - example"', () =>
  expectNoFailures(
    'if header :matches "List-ID" "*<*@*" { if not string "lists/${2}" "lists/users" { fail "1"; } } else { fail "2"; }\nif header :matches "Subject" "[*] *" { if anyof (not string "${1}" "team", not string "${2}" "[fwd] release 2 is out") { fail "3"; } } else { fail "4"; }\nif address :matches ["To", "Cc"] ["road@**.com", "x@**.com"] { if anyof (not string "${0}" "road@RUNNER.Example.COM", not string "${1}" "", not string "${2}" "RUNNER.Example") { fail "5"; } } else { fail "6"; }',
    message(
      'Subject: [team] [fwd] release 2 is out\nList-Id: Users <users@lists.example.net>\nTo: road@RUNNER.Example.COM\n\nx\n',
    ),
  ),
);
pigeonhole('variables/match "Begin"', () =>
  expectNoFailures(
    'if not string :matches "Test of patience" "Test of *" { fail "1"; }\nif not string :is "${1}" "patience" { fail "2"; }',
  ),
);
pigeonhole('variables/match "Begin no match"', () =>
  expectNoFailures('if string :matches "Test of patience" "of *" { fail "1"; }'),
);
pigeonhole('variables/match "End"', () =>
  expectNoFailures(
    'if not string :matches "hophophop" "*hop" { fail "1"; }\nif not string :is "${1}" "hophop" { fail "2"; }',
  ),
);
pigeonhole('variables/match "Multiple"', () =>
  expectNoFailures(
    'if not string :matches "we saw a dog with big ears and a red coat." "we saw * with * and *." { fail "1"; }\nset "l" "${1}|${2}|${3}";\nif not string :is "${l}" "a dog|big ears|a red coat" { fail "2"; }',
  ),
);
pigeonhole('variables/match "Escape"', () =>
  expectNoFailures(
    'if not string :matches "why not?" "*\\\\?" { fail "1"; }\nif not string :is "${1}" "why not" { fail "2"; }',
  ),
);
pigeonhole('variables/match "Alphabet ?"', () =>
  expectNoFailures(
    'if not string :matches "pack my box" "p??? ?? ?o?" { fail "1"; }\nif not string :is "${1}${2}${3}${4}${5}${6}${7}" "ackmybx" { fail "2"; }\nif string :matches "pack my box" "p??? ?? ?a?" { fail "3"; }',
  ),
);
pigeonhole('variables/match "Words sep ?"', () =>
  expectNoFailures(
    'if not string :matches "red:one:red|two;one;red/end" "*one?red?end" { fail "1"; }\nif not string :is "${1}|${2}|${3}" "red:one:red|two;|;|/" { fail "2"; }',
  ),
);
pigeonhole('variables/match "Letters begin ?"', () =>
  expectNoFailures(
    'if not string :matches "stop" "??op" { fail "1"; }\nif not string :is "${0}:${1}:${2}:${3}:" "stop:s:t::" { fail "2"; }',
  ),
);
pigeonhole('variables/match "Letters end ?"', () =>
  expectNoFailures(
    'if not string :matches "stop" "st??" { fail "1"; }\nif not string :is "${0}:${1}:${2}:${3}:" "stop:o:p::" { fail "2"; }',
  ),
);
pigeonhole('variables/match "Letters words *? - 1"', () =>
  expectNoFailures(
    'if not string :matches "glopfropstroptop" "*fr??*top" { fail "1"; }\nif not string :is ":${1}:${2}:${3}:${4}:${5}:" ":glop:o:p:strop::" { fail "2"; }',
  ),
);
pigeonhole('variables/match "Letters words *? - 2"', () =>
  expectNoFailures(
    'if not string :matches "glopfropstroptop" "?*fr??*top" { fail "1"; }\nif not string :is ":${1}:${2}:${3}:${4}:${5}:" ":g:lop:o:p:strop:" { fail "2"; }',
  ),
);
pigeonhole('variables/match "Letters words *? backtrack"', () =>
  expectNoFailures(
    'if not string :matches "glopfropstroptop" "*?op" { fail "1"; }\nif not string :is ":${1}:${2}:${3}:" ":glopfropstrop:t::" { fail "2"; }',
  ),
);
pigeonhole('variables/match "Letters words *? first"', () =>
  expectNoFailures(
    'if not string :matches "glopfropstroptop" "*?op*" { fail "1"; }\nif not string :is ":${1}:${2}:${3}:" ":g:l:fropstroptop:" { fail "2"; }',
  ),
);
pigeonhole('variables/match "Match combined"', () =>
  expectNoFailures(
    'if not header :matches "subject" "Report for ?* run of *" { fail "1"; }\nif not string "${1}${2}" "failed" { fail "2"; }',
    message('Subject: Report for failed run of build 12 (x86)\n\nx\n'),
  ),
);
pigeonhole('variables/match "Initial *??"', () =>
  expectNoFailures(
    'if string :matches "bar5678@example.com" "*??@sub.example.com" { fail "1"; }\nif not string :matches "bar5678@sub.example.com" "*??@sub.example.com" { fail "2"; }\nif not string "${1}|${2}|${3}" "bar56|7|8" { fail "3"; }',
  ),
);
pigeonhole('variables/match "Intiial *?"', () =>
  expectNoFailures(
    'if string :matches "q@example.net" "*?@example.com" { fail "1"; }\nif not string :matches "q@example.com" "*?@example.com" { fail "2"; }\nif not string "${1}|${2}" "|q" { fail "3"; }',
  ),
);

// --- variables/modifiers
const mod = (modifiers: string, value: string, expected: string) =>
  expectNoFailures(
    `set ${modifiers} "t" "${value}";\nif not string :comparator "i;octet" :is "\${t}" "${expected}" { fail "got \${t}"; }`,
  );
pigeonhole('variables/modifiers "Modifier :lower"', () => mod(':lower', 'MiXeD', 'mixed'));
pigeonhole('variables/modifiers "Modifiers :lower :upperfirst"', () =>
  mod(':lower :upperfirst', 'mIXED', 'Mixed'),
);
pigeonhole('variables/modifiers "Modifiers :upperfirst :lower"', () =>
  mod(':upperfirst :lower', 'mIXED', 'Mixed'),
);
pigeonhole('variables/modifiers "Modifier :upper"', () => mod(':upper', 'mIxEd', 'MIXED'));
pigeonhole('variables/modifiers "Modifiers :upper :lowerfirst"', () =>
  mod(':upper :lowerfirst', 'MiXeD', 'mIXED'),
);
pigeonhole('variables/modifiers "Modifiers :lowerfirst :upper"', () =>
  mod(':lowerfirst :upper', 'MiXeD', 'mIXED'),
);
pigeonhole('variables/modifiers "Modifier :length (empty)"', () => mod(':length', '', '0'));
pigeonhole('variables/modifiers "Modifier :length (simple)"', () => mod(':length', 'MiXeD', '5'));
pigeonhole('variables/modifiers "Modifier :length (elaborate)"', () =>
  expectNoFailures(
    'set "a" "abcdefghij"; set "b" "12345";\nset :length "t" " ${a}:${b}  ";\nif not string :is "${t}" "19" { fail "1"; }',
  ),
);
pigeonhole('variables/modifiers "Modifier :quotewildcard"', () =>
  mod(':quotewildcard', '^*?*^', '^\\\\*\\\\?\\\\*^'),
);
pigeonhole('variables/modifiers "Modifier :length :quotewildcard"', () =>
  mod(':length :quotewildcard', '^*?*^', '8'),
);
pigeonhole('variables/modifiers "RFC examples"', () =>
  expectNoFailures(
    'set "a" "juMBlEd lETteRS";\nset :length "b" "${a}"; if not string :comparator "i;octet" "${b}" "15" { fail "1"; }\nset :lower "b" "${a}"; if not string :comparator "i;octet" "${b}" "jumbled letters" { fail "2"; }\nset :upperfirst "b" "${a}"; if not string :comparator "i;octet" "${b}" "JuMBlEd lETteRS" { fail "3"; }\nset :upperfirst :lower "b" "${a}"; if not string :comparator "i;octet" "${b}" "Jumbled letters" { fail "4"; }\nset :quotewildcard "b" "Rock*"; if not string :comparator "i;octet" "${b}" "Rock\\\\*" { fail "5"; }',
  ),
);
pigeonhole('variables/modifiers "Modifier :length utf8"', () => mod(':length', 'Grüße aus Köln', '14'));

// --- variables/string, quoting, errors
pigeonhole('variables/string "String - :count"', () =>
  expectNoFailures(`if not string :count "eq" ${N} ["a", "b", "c"] "3" { fail "1"; }`),
);
pigeonhole('variables/string "String - :count \\"\\""', () =>
  expectNoFailures(`if not string :count "eq" ${N} ["a", "", "c"] "2" { fail "1"; }`),
);
pigeonhole('variables/string "RFC example"', () =>
  expectNoFailures(
    'set "state" "${state} pending";\nif not string :matches " ${state} " "* pending *" { fail "1"; }',
  ),
);
pigeonhole('variables/string "No whitespace stripping"', () =>
  expectNoFailures(
    'set "a" "   v   "; set "b" "v";\nif not string :is :comparator "i;octet" "${a}" "   ${b}   " { fail "1"; }',
  ),
);
pigeonhole('variables/string "Case sensitivity"', () =>
  expectNoFailures(
    'if not string :comparator "i;octet" :is "abcabc" "abcabc" { fail "1"; }\nif not string :is "abcabc" "AbCabC" { fail "2"; }\nif string :comparator "i;octet" :is "abc" "AbC" { fail "3"; }',
  ),
);
pigeonhole('variables/quoting "Encodings - RFC examples"', () =>
  // The last RFC example needs encoded-character, which Postroom does not offer.
  expectNoFailures(
    'set "s" "$"; set "foo" "bar";\nif not string :is "${fo\\o}" "bar" { fail "1"; }\nif not string :is "${fo\\\\o}" "${s}{fo\\\\o}" { fail "2"; }\nif not string "\\${foo}" "bar" { fail "3"; }\nif not string "\\\\${foo}" "\\\\bar" { fail "4"; }',
  ),
);
pigeonhole('variables/errors "Invalid namespaces"', () => {
  compileErrors('require "variables";\nset "space.x" "v";');
  compileErrors('require ["variables", "fileinto"];\nfileinto "${space.x}";');
});
pigeonhole('variables/errors "Invalid set command invocations"', () => {
  for (const bad of [
    'set "${x}" "v";',
    'set "...." "v";',
    'set "name." "v";',
    'set ".name" "v";',
    'set "0" "v";',
    'set :inner "name" "v";',
  ]) {
    compileErrors(`require "variables";\n${bad}`);
  }
  compileOk('require "variables";\nset "\\n\\a\\m\\e" "v";\nset :UPPER "name" "v";');
});
pigeonhole('variables/errors "Limits"', () => {
  compileOk(`require "variables";\nset "v${'1'.repeat(40)}" "x";\nif string "\${32}" "x" { stop; }`);
  compileErrors(`require "variables";\nset "v${'1'.repeat(90)}" "x";`);
  compileErrors('require "variables";\nif string "${33}" "x" { stop; }');
  const many = Array.from({ length: 260 }, (_, n) => `set "var${n}" "x";`).join('\n');
  compileErrors(`require "variables";\n${many}`);
});

test('variable values are capped, not grown without bound', async () => {
  const script =
    'set "a" "0123456789";\n' +
    Array.from({ length: 12 }, () => 'set "a" "${a}${a}";').join('\n') +
    '\nset :length "n" "${a}";\nif string :is "${n}" "4000" { discard; }';
  const result = await runAny(script);
  assert.deepEqual(result.actions, [{ type: 'discard' }]);
});

// --- imap4flags
pigeonhole('imap4flags/basic "Hasflag empty"', () =>
  expectNoFailures(
    `if anyof (hasflag "\\\\Seen", hasflag "\\\\flagged") { fail "1"; }\nif hasflag ${N} :count "ge" "1" { fail "2"; }`,
  ),
);
pigeonhole('imap4flags/basic "Setflag; Hasflag one"', () =>
  expectNoFailures(
    `setflag "\\\\seen";\nif not hasflag "\\\\Seen" { fail "1"; }\nif not hasflag ${N} :count "eq" "1" { fail "2"; }\nif hasflag "$Other" { fail "3"; }`,
  ),
);
pigeonhole('imap4flags/basic "Hasflag; duplicates"', () =>
  expectNoFailures(
    `set "Flags" "A B C A B C";\nif hasflag ${N} :count "gt" "Flags" "3" { fail "1"; }\nif not hasflag ${N} :count "eq" "Flags" "3" { fail "2"; }`,
  ),
);
pigeonhole('imap4flags/basic "Flag operations"', () =>
  expectNoFailures(
    `setflag "A"; if not hasflag "A" { fail "1"; }\naddflag "B"; if not allof (hasflag "A", hasflag "B") { fail "2"; }\naddflag ["C", "D", "E F"]; if not hasflag ${N} :count "eq" "6" { fail "3"; }\nremoveflag ["D"]; if anyof (hasflag "D", not hasflag ${N} :count "eq" "5") { fail "4"; }\nset "v" "G"; addflag "\${v}"; if not allof (hasflag "G", hasflag "A", hasflag ${N} :count "eq" "6") { fail "5"; }`,
  ),
);
pigeonhole('imap4flags/basic "Variable flag operations"', () =>
  expectNoFailures(
    `setflag "fv" "A"; if not hasflag "fv" "A" { fail "1"; }\naddflag "fv" "B"; if not allof (hasflag "fv" "A", hasflag "fv" "B") { fail "2"; }\naddflag "fv" ["C", "D", "E F"]; if not hasflag ${N} :count "eq" "fv" "6" { fail "3"; }\nremoveflag "fv" ["D"]; if anyof (hasflag "fv" "D", not hasflag ${N} :count "eq" "fv" "5") { fail "4"; }\nif hasflag ${N} :count "ge" "1" { fail "internal untouched"; }`,
  ),
);
pigeonhole('imap4flags/basic "Setflag; string list"', () =>
  expectNoFailures(
    `setflag ["A B", "C D"];\nif not allof (hasflag "A", hasflag "B", hasflag "C", hasflag "D") { fail "1"; }\nif hasflag ${N} :count "ne" "4" { fail "2"; }`,
  ),
);
const removal = (set: string, remove: string, left: string[], count: number) =>
  expectNoFailures(
    `setflag "${set}";\nremoveflag "${remove}";\nif hasflag "${remove}" { fail "still there"; }\n${left.map((f) => `if not hasflag "${f}" { fail "lost ${f}"; }`).join('\n')}\nif not hasflag ${N} :count "eq" "${count}" { fail "count"; }`,
  );
pigeonhole('imap4flags/basic "Removal: one"', () => removal('\\\\seen', '\\\\seen', [], 0));
pigeonhole('imap4flags/basic "Removal: first"', () => removal('$x \\\\seen', '$x', ['\\\\seen'], 1));
pigeonhole('imap4flags/basic "Removal: last"', () => removal('\\\\seen $x', '$x', ['\\\\seen'], 1));
pigeonhole('imap4flags/basic "Removal: middle"', () =>
  removal('\\\\seen $x \\\\flagged', '$x', ['\\\\seen', '\\\\flagged'], 2),
);
pigeonhole('imap4flags/basic "Removal: duplicates"', () =>
  removal('\\\\seen $x $x \\\\flagged $x', '$x', ['\\\\seen', '\\\\flagged'], 2),
);
pigeonhole('imap4flags/basic "Removal: whitespace"', () =>
  removal('   \\\\seen   $x    $x  \\\\flagged   $x  ', '$x', ['\\\\seen', '\\\\flagged'], 2),
);
pigeonhole('imap4flags/hasflag "Ignoring \\"\\""', () =>
  expectNoFailures('setflag "";\nif hasflag "" { fail "1"; }'),
);
pigeonhole('imap4flags/hasflag "Multiple variables"', () =>
  expectNoFailures(
    'setflag "A" "Af"; setflag "B" "Bf"; setflag "C" "Cf";\nif not hasflag ["a", "b", "c"] ["Bf"] { fail "1"; }',
  ),
);
pigeonhole('imap4flags/hasflag "RFC hasflag example - :is"', () =>
  expectNoFailures(
    'setflag "A B";\nif not hasflag ["b","A"] { fail "1"; }\nif not hasflag :is "b A" { fail "2"; }',
  ),
);
pigeonhole('imap4flags/hasflag "RFC hasflag example - :contains variable"', () =>
  expectNoFailures(
    'set "V" "NonJunk Junk gnus-forward $Forwarded NotJunk";\nif not hasflag :contains "V" "Junk" { fail "1"; }\nif not hasflag :contains "V" "forward" { fail "2"; }\nif not hasflag :contains "V" ["label", "forward"] { fail "3"; }\nif not hasflag :contains "V" "junk forward" { fail "4"; }\nif hasflag :contains "V" "label" { fail "5"; }\nif hasflag :contains "V" ["l1", "l2"] { fail "6"; }',
  ),
);
pigeonhole('imap4flags/hasflag "RFC hasflag example - :count variable"', () =>
  expectNoFailures(`set "F" "A B";\nif not hasflag :count "ge" ${N} "F" "2" { fail "1"; }`),
);
pigeonhole('imap4flags/flagstring "Duplicates: setflag"', () =>
  expectNoFailures(
    'setflag "f" "\\\\seen \\\\seen"; if not string "${f}" "\\\\seen" { fail "1"; }\nsetflag "f" "\\\\seen $x $x \\\\seen"; if not string "${f}" "\\\\seen $x" { fail "2"; }\nsetflag "f" "$x \\\\seen $x \\\\seen"; if not string "${f}" "$x \\\\seen" { fail "3"; }',
  ),
);
pigeonhole('imap4flags/flagstring "Duplicates: addflag"', () =>
  expectNoFailures(
    'setflag "f" ""; addflag "f" "\\\\seen $x \\\\seen"; if not string "${f}" "\\\\seen $x" { fail "1"; }\nsetflag "f" "$x \\\\seen"; addflag "f" "\\\\seen \\\\seen $x"; if not string "${f}" "$x \\\\seen" { fail "2"; }',
  ),
);
pigeonhole('imap4flags/execute "Flags Side Effect"', async () => {
  const result = await runAny(
    'setflag "IMPLICIT";\nfileinto :flags "\\\\Seen \\\\Draft" "Junk";\nfileinto :flags "NONSENSE" "Junk";\nkeep;\nkeep :flags "\\\\Seen";\nfileinto :flags "\\\\Seen" "Other";\nfileinto "Other";',
  );
  assert.deepEqual(result.actions, [
    { type: 'fileinto', mailbox: 'Junk', flags: ['NONSENSE'], create: false },
    { type: 'keep', flags: ['\\Seen'] },
    { type: 'fileinto', mailbox: 'Other', flags: ['IMPLICIT'], create: false },
  ]);
});
pigeonhole('imap4flags/flagstore "Basic"', async () => {
  const result = await runAny(
    'setflag "$label1 \\\\answered";\nfileinto "A";\nsetflag "\\\\draft Junk";\nfileinto "B";\nfileinto :flags "\\\\flagged" "C";',
  );
  assert.deepEqual(
    result.actions.map((a) => (a.type === 'fileinto' ? [a.mailbox, a.flags] : a.type)),
    [
      ['A', ['$label1', '\\answered']],
      ['B', ['\\draft', 'Junk']],
      ['C', ['\\flagged']],
    ],
  );
});
pigeonhole('imap4flags/flagstore "Flag changes between stores"', async () => {
  const result = await runAny('setflag "$l1";\nfileinto "A";\nsetflag "$l2";\nfileinto "B";\nsetflag "$l3";');
  assert.deepEqual(
    result.actions.map((a) => (a.type === 'fileinto' ? a.flags : a.type)),
    [['$l1'], ['$l2']],
  );
});
pigeonhole('imap4flags/errors "Syntax errors"', () => {
  const r = 'require "imap4flags";\n';
  for (const bad of [
    'if setflag {}',
    'if addflag;',
    'hasflag;',
    'setflag;',
    'if hasflag {}',
    'setflag 234;',
    'if hasflag 234 {}',
    'setflag :bogus "x";',
    'if hasflag :bogus "x" {}',
  ]) {
    compileErrors(r + bad);
  }
  compileOk(`${r}setflag "x";\naddflag ["x"];\nremoveflag "x";\nif hasflag ["x"] {}`);
  compileErrors('setflag "x";');
});
test('the implicit keep carries the internal flags as they stand at the end', async () => {
  const result = await runAny('addflag "\\\\Seen";\naddflag "$Work";\nremoveflag "\\\\Seen";');
  assert.deepEqual(result.actions, [{ type: 'keep', flags: ['$Work'] }]);
});

// --- variables/limits: values are cut at 4000 bytes of UTF-8, never inside a character or an escape
const lengthOf = async (setup: string) => {
  const result = await runAny(
    `${setup}\nset :length "n" "\${v}";\nif string :matches "\${n}" "*" { fileinto "len \${n}"; }`,
  );
  const action = result.actions.find((a) => a.type === 'fileinto');
  return action?.type === 'fileinto' ? Number(action.mailbox.slice(4)) : -1;
};
pigeonhole('variables/limits "Variable size limit"', async () => {
  const grow = 'set "v" "0123456789";\n' + Array.from({ length: 9 }, () => 'set "v" "${v}${v}";').join('\n');
  assert.equal(await lengthOf(grow), 4000);
  assert.equal(await lengthOf(`${grow}\nset "v" "\${v}b";`), 4000);
});
pigeonhole('variables/limits "Variable size limit UTF-8"', async () => {
  // 1333 three-byte characters are 3999 bytes: one more does not fit, three ASCII bytes do not either.
  const base = `set "v" "${'七'.repeat(1333)}";`;
  assert.equal(await lengthOf(base), 1333);
  assert.equal(await lengthOf(`${base}\nset "v" "\${v}七";`), 1333);
  assert.equal(await lengthOf(`${base}\nset "v" "\${v}ccc";`), 1334);
});
pigeonhole('variables/limits ":quotewildcard variable size limit"', async () => {
  const stars = `set "v" "${'*'.repeat(2100)}";`;
  assert.equal(await lengthOf(`${stars}\nset :quotewildcard "v" "\${v}";`), 4000);
  assert.equal(await lengthOf(`${stars}\nset :quotewildcard "v" "0\${v}";`), 3999);
});
