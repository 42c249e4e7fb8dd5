// Match types and comparators (RFC 5228 2.7, RFC 4790), after Pigeonhole's match-types/ and
// comparators/ cases, on messages of our own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globMatch } from '../../server/sieve/match';
import { holds, message, pigeonhole } from './sieve-harness';

const wild = message(`From: alice+lists@mail.example.com
To: bob@example.org
To: carol@west.example.org
X-Score: ********
X-Marks: 777??!b
Subject: win a prize today!!!
Empty:
X-Log: Report of nightly build of Postroom.
X-One: Y
List-Id: Postroom Users <users.postroom.example>
X-Back: ends with slash\\
X-Single: b

Body text.
`);
const yes = (expr: string) => async () => assert.equal(await holds([], expr, wild), true, expr);
const no = (expr: string) => async () => assert.equal(await holds([], expr, wild), false, expr);
const both = (should: string[], shouldNot: string[]) => async () => {
  for (const expr of should) await yes(expr)();
  for (const expr of shouldNot) await no(expr)();
};

pigeonhole(
  'match-types/matches "Empty string"',
  both(['header :matches "empty" ""', 'header :matches "empty" "*"'], ['header :matches "empty" "?"']),
);
pigeonhole(
  'match-types/matches "Multiple \'*\'"',
  both(['address :matches "from" "*@ma*l*exam*.com"'], ['address :matches "from" "*@m*lex*mple.com"']),
);
pigeonhole(
  'match-types/matches "End \'*\'"',
  both(['address :matches "from" "alice+lists@mail.*"'], ['address :matches "from" "alce+lists@mail.*"']),
);
pigeonhole(
  'match-types/matches "Begin \'*\'"',
  both(
    ['address :matches "from" "*+lists@mail.example.com"'],
    ['address :matches "from" "*+lists@mail.example.cm"'],
  ),
);
pigeonhole(
  'match-types/matches "Middle \'?\'"',
  both(
    ['address :matches "from" "alice+lists?mail.example.com"'],
    ['address :matches "from" "alice+lists?mil.example.com"'],
  ),
);
pigeonhole(
  'match-types/matches "Begin \'?\'"',
  both(
    ['address :matches "from" "?lice+lists@mail.example.com"'],
    ['address :matches "from" "?lice+listsmail.example.com"'],
  ),
);
pigeonhole(
  'match-types/matches "End \'?\'"',
  both(
    ['address :matches "from" "alice+lists@mail.example.co?"'],
    ['address :matches "from" "lice+lists@mail.example.co?"'],
  ),
);
pigeonhole(
  'match-types/matches "Multiple \'?\'"',
  both(
    ['address :matches "from" "?l?ce?lists?ma?l.exampl?.co?"'],
    ['address :matches "from" "?l?ce?lists?mal.exa?ple.co?"'],
  ),
);
pigeonhole(
  'match-types/matches "Escaped \'?\'"',
  both(['header :matches "x-marks" "777\\\\?\\\\?!?"'], ['header :matches "x-marks" "777\\\\?\\\\?!"']),
);
pigeonhole(
  "match-types/matches \"Escaped '?' following '*'\"",
  yes('header :matches "x-marks" "777*\\\\?!?"'),
);
pigeonhole(
  "match-types/matches \"Escaped '?' directly following initial '*'\"",
  yes('header :matches "x-marks" "*\\\\?\\\\?!b"'),
);
pigeonhole(
  "match-types/matches \"Escaped '?' following initial '*'\"",
  yes('header :matches "x-marks" "*77\\\\?\\\\?!b"'),
);
pigeonhole(
  "match-types/matches \"Escaped '*' with active '*' at the end\"",
  yes('header :matches "x-score" "\\\\*\\\\*\\\\*\\\\**"'),
);
pigeonhole(
  'match-types/matches "All escaped \'*\'"',
  both(
    [`header :matches "x-score" "${'\\\\*'.repeat(8)}"`],
    [`header :matches "x-score" "${'\\\\*'.repeat(9)}"`],
  ),
);
pigeonhole(
  'match-types/matches "Middle not escaped \'*\'"',
  yes('header :matches "x-score" "\\\\*\\\\***\\\\*\\\\*"'),
);
pigeonhole(
  "match-types/matches \"Escaped '*' alternating with '?'\"",
  both(
    [`header :matches "x-score" "${'\\\\*?'.repeat(4)}"`],
    [`header :matches "x-score" "${'\\\\*?'.repeat(4)}?"`],
  ),
);
pigeonhole(
  'match-types/matches "All escaped"',
  both(
    [],
    [
      'header :matches "x-marks" "\\\\*77\\\\?\\\\?!b"',
      'header :matches "x-marks" "777\\\\?\\\\?!bb"',
      'header :matches "x-marks" "\\\\q77\\\\?\\\\?!b"',
    ],
  ),
);
pigeonhole(
  "match-types/matches \"Put '*' directly before '?'\"",
  both(
    [
      'header :matches "x-log" "Report of *??????? build of *"',
      'header :matches "x-log" "Report of *? build of *"',
    ],
    ['header :matches "x-log" "Report of *???????? build of *"'],
  ),
);
pigeonhole(
  "match-types/matches \"Put '?' directly before '*'\"",
  both(
    [
      'header :matches "x-log" "Report of ???????* build of *"',
      'header :matches "x-log" "Report of ?* build of *"',
    ],
    ['header :matches "x-log" "Report of ????????* build of *"'],
  ),
);
pigeonhole('match-types/matches "Fixed beginning"', yes('header :matches "subject" "win a *"'));
pigeonhole(
  'match-types/matches "Fixed end"',
  both(['header :matches "subject" "* today!!!"'], ['header :matches "subject" "* today!!"']),
);
pigeonhole(
  'match-types/matches "Fixed string"',
  both(
    ['address :matches "to" "bob@example.org"'],
    ['address :matches "to" "example.org"', 'address :matches "to" "bob"'],
  ),
);
pigeonhole("match-types/matches \"Match 'X' to '*?X'\"", no('header :matches "X-One" "*?Y"'));
pigeonhole(
  'match-types/matches "Trailing literal matches exactly at end of value"',
  yes('header :matches "List-Id" "*<users*.postroom.example>"'),
);
pigeonhole('match-types/matches "End slash"', yes('header :matches "x-back" "*slash\\\\"'));
pigeonhole('match-types/matches "End \'?*\'"', no('address :matches "to" "z?*"'));
pigeonhole("match-types/matches \"Match 'a' to '*a?'\"", no('header :matches "X-Single" "*b?"'));
pigeonhole(
  "match-types/matches \"Match 'a' to '*a??????????'\"",
  no('header :matches "X-Single" "*b??????????"'),
);

const plain = message(`From: dana@example.org
Cc: eve@example.com
To: test@lists.example.net
X-Words: q qu qua quar quart quarte quartet
Subject: Hello there
Empty:

Hi!
`);
const yesP = (expr: string) => async () => assert.equal(await holds([], expr, plain), true, expr);
const noP = (expr: string) => async () => assert.equal(await holds([], expr, plain), false, expr);

pigeonhole('match-types/contains "Match empty"', async () => {
  await yesP('header :contains "x-words" ""')();
  await yesP('header :contains "empty" ""')();
});
pigeonhole('match-types/contains "Match full"', yesP('address :contains "from" "dana@example.org"'));
pigeonhole('match-types/contains "Match begin"', yesP('address :contains "from" "dana"'));
pigeonhole('match-types/contains "Match end"', yesP('address :contains "from" "example.org"'));
pigeonhole('match-types/contains "Match middle"', yesP('address :contains "from" "@"'));
pigeonhole('match-types/contains "Match similar beginnings"', yesP('header :contains "x-words" "quartet"'));
pigeonhole('match-types/contains "Match case-insensitive"', async () => {
  await yesP('address :contains :comparator "i;ascii-casemap" "from" "EXAMPLE"')();
  await yesP('address :contains "from" "EXAMPLE"')();
});
pigeonhole('match-types/contains "No match full (typo)"', noP('address :contains "to" "tset@example.com"'));
pigeonhole('match-types/contains "No match end (typo)"', noP('header :contains "x-words" "quartex"'));

pigeonhole('match-types/is "Empty key"', async () => {
  await noP('header :is "from" ""')();
  await yesP('header :is "empty" ""')();
});

const shouting = message('From: f@example.org\nX-A: Some text in a LOUD header\nSubject: s\n\nx\n');
const on = async (expr: string) => holds(['comparator-i;ascii-numeric'], expr, shouting);
pigeonhole('comparators/i-ascii-casemap ":contains (1)"', async () =>
  assert.ok(await on('header :contains :comparator "i;ascii-casemap" "X-A" "LOUD"')),
);
pigeonhole('comparators/i-ascii-casemap ":contains (2)"', async () =>
  assert.ok(await on('header :contains :comparator "i;ascii-casemap" "X-A" "loud"')),
);
pigeonhole('comparators/i-ascii-casemap ":matches (1)"', async () =>
  assert.ok(await on('header :matches :comparator "i;ascii-casemap" "X-A" "Some*LOUD*r"')),
);
pigeonhole('comparators/i-ascii-casemap ":matches (2)"', async () =>
  assert.ok(await on('header :matches :comparator "i;ascii-casemap" "X-A" "sOmE*lOuD*R"')),
);
pigeonhole('comparators/i-octet ":contains"', async () =>
  assert.ok(await on('header :contains :comparator "i;octet" "X-A" "LOUD"')),
);
pigeonhole('comparators/i-octet "not :contains"', async () =>
  assert.ok(!(await on('header :contains :comparator "i;octet" "X-A" "loud"'))),
);
pigeonhole('comparators/i-octet ":matches"', async () =>
  assert.ok(await on('header :matches :comparator "i;octet" "X-A" "Some*LOUD*r"')),
);
pigeonhole('comparators/i-octet "not :matches"', async () =>
  assert.ok(!(await on('header :matches :comparator "i;octet" "X-A" "sOmE*lOuD*R"'))),
);

test('ascii-casemap folds ASCII only; i;ascii-numeric compares leading digits', async () => {
  const m = message('Subject: ÄRGER 0042 apples\nX-N: abc\n\n');
  assert.equal(await holds([], 'header :contains "subject" "ärger"', m), false);
  assert.equal(await holds([], 'header :contains "subject" "ÄRGER"', m), true);
  assert.equal(
    await holds(['comparator-i;ascii-numeric'], 'header :is :comparator "i;ascii-numeric" "x-n" "xyz"', m),
    true,
    'both infinite',
  );
});

test('hostile wildcard patterns stay fast (no exponential backtracking)', () => {
  const text = 'a'.repeat(5000);
  const started = performance.now();
  assert.equal(globMatch(text, `${'*a'.repeat(30)}b`, 'i;octet'), null);
  assert.ok(performance.now() - started < 2000);
});

test(':matches captures take the shortest "*" from the left', () => {
  assert.deepEqual(globMatch('one.two.three', '*.*', 'i;octet'), ['one.two.three', 'one', 'two.three']);
  assert.deepEqual(globMatch('ABC', 'a?c', 'i;ascii-casemap'), ['ABC', 'B']);
  assert.equal(globMatch('ABC', 'a?c', 'i;octet'), null);
});
