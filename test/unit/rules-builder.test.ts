// The webmail's rule builder: validation with field errors, the Sieve it writes (checked by the
// Sieve compiler too), and reading back exactly what it wrote while refusing hand edits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EMPTY_FILTER_SET,
  generateSieve,
  readFilterSet,
  sieveString,
  validateFilterSet,
  type FilterSet,
} from '../../server/rules-builder';
import { FieldErrors } from '../../server/domain/errors';
import { compileSieve } from '../../server/sieve';

const FULL: FilterSet = {
  vacation: {
    enabled: true,
    start: '2026-12-20',
    end: '2027-01-06',
    subject: 'Away "until" January',
    text: 'I am away.\nBack on the 7th.\\ Regards',
    days: 3,
  },
  rules: [
    {
      name: 'Bob to Projects',
      enabled: true,
      match: 'all',
      conditions: [{ field: 'from', match: 'contains', value: 'bob@mail.test' }],
      actions: [{ type: 'move', folder: 'Projects/Ünïcode' }, { type: 'markRead' }],
      stop: true,
    },
    {
      name: 'Lists',
      enabled: true,
      match: 'any',
      conditions: [
        { field: 'listid', match: 'contains', value: 'dev.lists.example' },
        { field: 'to', match: 'isnot', value: 'me@mail.test' },
        { field: 'size', match: 'over', value: '2M' },
      ],
      actions: [{ type: 'flag' }, { type: 'forward', address: 'archive@example.org', keepCopy: true }],
      stop: false,
    },
    {
      name: 'Spam words',
      enabled: false,
      match: 'all',
      conditions: [{ field: 'subject', match: 'is', value: 'WIN' }],
      actions: [{ type: 'delete' }],
      stop: false,
    },
  ],
};

function fieldErrors(input: unknown): Record<string, string> {
  try {
    validateFilterSet(input);
  } catch (error) {
    assert.ok(error instanceof FieldErrors, String(error));
    return error.fields;
  }
  assert.fail('expected field errors');
}

test('a full set is written as Sieve with the extensions it needs, vacation first', () => {
  const script = generateSieve(validateFilterSet(FULL));
  assert.match(script, /^# Postroom filters/);
  assert.match(
    script,
    /\r\nrequire \["copy", "date", "fileinto", "imap4flags", "relational", "vacation"\];\r\n/,
  );
  assert.match(
    script,
    /if allof \(currentdate :value "ge" "date" "2026-12-20", currentdate :value "le" "date" "2027-01-06"\) \{\r\n {2}vacation :days 3 :subject "Away \\"until\\" January" "I am away\.\r\nBack on the 7th\.\\\\ Regards";\r\n\}/,
  );
  assert.ok(script.indexOf('vacation :days') < script.indexOf('fileinto "'));
  assert.match(
    script,
    /if header :contains "from" "bob@mail\.test" \{\r\n {2}addflag "\\\\Seen";\r\n {2}fileinto "Projects\/Ünïcode";\r\n {2}stop;\r\n\}/,
  );
  assert.match(
    script,
    /if anyof \(header :contains "list-id" "dev\.lists\.example", not address :all :is \["to", "cc"\] "me@mail\.test", size :over 2M\) \{\r\n {2}addflag "\\\\Flagged";\r\n {2}redirect :copy "archive@example\.org";\r\n\}/,
  );
  // A rule that is off is kept (as its comment) but does nothing.
  assert.match(script, /# rule \{"name":"Spam words"/);
  assert.doesNotMatch(script, /discard/);
  assert.ok(compileSieve(script).ok, 'the Sieve compiler accepts the generated script');
});

test('the builder reads back exactly what it wrote', () => {
  const set = validateFilterSet(FULL);
  const back = readFilterSet(generateSieve(set));
  assert.deepEqual(back, { builder: true, set });
  // Line endings changed by a client (ManageSieve editors often store LF) do not matter.
  assert.deepEqual(readFilterSet(generateSieve(set).replace(/\r\n/g, '\n')), { builder: true, set });
});

test('an empty or missing script is an empty builder set; an empty set writes no code', () => {
  assert.deepEqual(readFilterSet(null), { builder: true, set: EMPTY_FILTER_SET });
  assert.deepEqual(readFilterSet('  \r\n'), { builder: true, set: EMPTY_FILTER_SET });
  const script = generateSieve(EMPTY_FILTER_SET);
  assert.doesNotMatch(script, /require|if |vacation/);
  assert.deepEqual(readFilterSet(script), { builder: true, set: EMPTY_FILTER_SET });
  assert.ok(compileSieve(script).ok);
});

test('a vacation without dates replies unconditionally; one date gives one check', () => {
  const always = generateSieve(
    validateFilterSet({ rules: [], vacation: { enabled: true, text: 'Away', subject: '' } }),
  );
  assert.match(always, /require "vacation";\r\n/);
  assert.match(always, /\r\nvacation :days 7 "Away";\r\n/);
  const from = generateSieve(
    validateFilterSet({ rules: [], vacation: { enabled: true, start: '2026-12-24', text: 'Away' } }),
  );
  assert.match(
    from,
    /\r\nif currentdate :value "ge" "date" "2026-12-24" \{\r\n {2}vacation :days 7 "Away";\r\n\}/,
  );
  // Switched off, the texts are kept in the comment for next time but nothing replies.
  const off = validateFilterSet({ rules: [], vacation: { enabled: false, text: 'Away' } });
  const offScript = generateSieve(off);
  assert.doesNotMatch(offScript, /^vacation|require/m);
  assert.deepEqual(readFilterSet(offScript), { builder: true, set: off });
});

test('hand edits and foreign scripts are not taken over by the builder', () => {
  const script = generateSieve(validateFilterSet(FULL));
  const edited = script.replace('fileinto "Projects/Ünïcode";', 'fileinto "Elsewhere";');
  assert.equal(readFilterSet(edited).builder, false);
  assert.equal(readFilterSet(`${script}discard;\r\n`).builder, false);
  assert.equal(readFilterSet('require "fileinto";\r\nfileinto "X";\r\n').builder, false);
  assert.equal(
    readFilterSet(script.replace('# rule {"name":"Lists"', '# rule {"name":"Lists"]')).builder,
    false,
  );
  // A comment whose model fails validation is refused, not trusted.
  const bad = script.replace('"folder":"Projects/Ünïcode"', '"folder":""');
  assert.equal(readFilterSet(bad).builder, false);
});

test('strings are escaped so that input cannot break out of them', () => {
  assert.equal(sieveString('a"b\\c'), '"a\\"b\\\\c"');
  const set = validateFilterSet({
    rules: [
      {
        name: 'x',
        conditions: [{ field: 'subject', match: 'contains', value: '"; discard; if true { keep; #' }],
        actions: [{ type: 'move', folder: 'A"B' }],
      },
    ],
  });
  const script = generateSieve(set);
  assert.match(script, /header :contains "subject" "\\"; discard; if true \{ keep; #"/);
  assert.match(script, /fileinto "A\\"B";/);
  assert.deepEqual(readFilterSet(script), { builder: true, set });
  assert.ok(compileSieve(script).ok);
});

test('bad input is answered with an error per field', () => {
  const errors = fieldErrors({
    rules: [
      {
        name: '',
        conditions: [
          { field: 'subject', match: 'contains', value: '' },
          { field: 'size', match: 'over', value: 'big' },
          { field: 'colour', match: 'is', value: 'red' },
        ],
        actions: [
          { type: 'forward', address: 'not an address' },
          { type: 'move', folder: '' },
        ],
      },
      { name: 'no parts', conditions: [], actions: [] },
      {
        name: 'both',
        conditions: [{ field: 'from', match: 'is', value: 'a@b.c' }],
        actions: [{ type: 'delete' }, { type: 'move', folder: 'X' }],
      },
    ],
    vacation: { enabled: true, start: '2026-02-30', end: '2026-01-01', subject: 'a\nb', text: '', days: 0 },
  });
  assert.deepEqual(Object.keys(errors).sort(), [
    'rules.0.actions.0.address',
    'rules.0.actions.1.folder',
    'rules.0.conditions.0.value',
    'rules.0.conditions.1.value',
    'rules.0.conditions.2.field',
    'rules.0.name',
    'rules.1.actions',
    'rules.1.conditions',
    'rules.2.actions',
    'vacation.days',
    'vacation.start',
    'vacation.subject',
    'vacation.text',
  ]);
  assert.match(errors['rules.0.conditions.1.value'], /size like 500K/);
  assert.equal(
    fieldErrors({ rules: [], vacation: { start: '2026-03-02', end: '2026-03-01' } })['vacation.end'],
    'must not be before the start',
  );
  assert.ok(
    fieldErrors({
      rules: [
        {
          name: 'c',
          conditions: [{ field: 'subject', match: 'is', value: 'a\u0000b' }],
          actions: [{ type: 'flag' }],
        },
      ],
    })['rules.0.conditions.0.value'],
  );
  assert.ok(fieldErrors({ rules: Array.from({ length: 101 }, () => ({})) }).rules);
  // Garbage shapes are field errors too, never a crash.
  assert.doesNotThrow(() => fieldErrors({ rules: [null, 7, 'x'], vacation: [] }));
  assert.deepEqual(validateFilterSet(null), EMPTY_FILTER_SET);
});

test('sizes are written the way Sieve numbers are', () => {
  const set = validateFilterSet({
    rules: [
      {
        name: 's',
        conditions: [
          { field: 'size', match: 'under', value: '500 kb' },
          { field: 'size', match: 'over', value: '1000' },
        ],
        actions: [{ type: 'flag' }],
      },
    ],
  });
  assert.deepEqual(
    set.rules[0].conditions.map((c) => c.value),
    ['500K', '1000'],
  );
  assert.match(generateSieve(set), /allof \(size :under 500K, size :over 1000\)/);
});
