// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Sieve variables (${name}) are written in plain strings
// Actions and their limits (RFC 5228 4, 2.10), reject/ereject (RFC 5429), vacation (RFC 5230),
// mailbox (RFC 5490), copy (RFC 3894), editheader (RFC 5293) and running several scripts, after
// Pigeonhole's execute/ and extensions/{reject,vacation,mailbox,editheader}/ cases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSieve, runSieve, usesVacation } from '../../server/sieve/index';
import { compileErrors, compileOk, env, holds, message, pigeonhole, run } from './sieve-harness';

const any = { mailboxExists: async () => true };
const plain = message('To: kim@lists.example.org\nFrom: lee@example.org\nSubject: Test\n\nTest.\n');

// --- execute/actions, execute/errors
pigeonhole('execute/actions "Fileinto"', async () => {
  const result = await run(
    'require "fileinto";\nif address :contains "to" "lists.example" { fileinto "VB"; }\nfileinto "backup";\nkeep;\nfileinto "INBOX";',
    plain,
    any,
  );
  assert.deepEqual(
    result.actions.map((a) => a.type),
    ['fileinto', 'fileinto', 'keep'],
  );
});
pigeonhole('execute/actions "Redirect"', async () => {
  const result = await run(
    'if address :contains "to" "lists.example" { redirect "one@example.com"; keep; }\nredirect "two@example.org";\nredirect "three@example.nl";\nredirect "One Person <one@example.com>";\nkeep;',
    plain,
  );
  assert.deepEqual(result.actions, [
    { type: 'redirect', address: 'one@example.com' },
    { type: 'keep', flags: [] },
    { type: 'redirect', address: 'two@example.org' },
    { type: 'redirect', address: 'three@example.nl' },
  ]);
});
pigeonhole('execute/errors "Action conflicts: reject <-> fileinto"', async () => {
  // Postroom refuses this one when the script is saved (both always run); in branches, at run time.
  compileErrors('require ["reject", "fileinto"];\nreject "No.";\nfileinto "Spam";');
  const result = await run(
    'require ["reject", "fileinto"];\nif true { reject "No."; }\nfileinto "Spam";',
    plain,
    any,
  );
  assert.equal(result.errors.length, 1);
  assert.deepEqual(result.actions, [{ type: 'keep', flags: [] }]);
});
pigeonhole('execute/errors "Action conflicts: reject <-> keep"', async () => {
  compileErrors('require "reject";\nreject "No.";\nkeep;');
  const result = await run('require "reject";\nif true { keep; }\nreject "No.";', plain);
  assert.match(result.errors[0], /conflicts/);
});
pigeonhole('execute/errors "Action conflicts: reject <-> redirect"', async () => {
  compileErrors('require "reject";\nreject "No.";\nredirect "a@example.com";');
  const result = await run('require "reject";\nif true { redirect "a@example.com"; }\nreject "No.";', plain);
  assert.equal(result.errors.length, 1);
});
pigeonhole('execute/errors "Action limit"', async () => {
  const script = `require "fileinto";\n${Array.from({ length: 40 }, (_, n) => `fileinto "box${n}";`).join('\n')}`;
  const result = await run(script, plain, any);
  assert.equal(result.errors.length, 1);
  assert.match(result.errors[0], /actions/);
});
pigeonhole('execute/errors "Redirect limit"', async () => {
  const script = Array.from({ length: 5 }, (_, n) => `redirect "address${n}@example.com";`).join('\n');
  const result = await run(script, plain);
  assert.equal(result.errors.length, 1);
  assert.match(result.errors[0], /redirects/);
  const within = await run(script, plain, { mailboxExists: async () => true, limits: { maxRedirects: 5 } });
  assert.equal(within.actions.length, 5);
});
pigeonhole('execute/errors "Fileinto missing folder"', async () => {
  const result = await run('require "fileinto";\nfileinto "MISSING";', plain, env(['INBOX']));
  assert.equal(result.errors.length, 1);
  assert.match(result.errors[0], /MISSING.*does not exist/);
  assert.deepEqual(result.actions, [{ type: 'keep', flags: [] }]);
});
pigeonhole('execute/errors "Fileinto invalid folder name"', async () => {
  compileErrors('require ["fileinto", "mailbox"];\nfileinto :create "foo//bar";');
  const result = await run(
    'require ["fileinto", "mailbox", "variables"];\nset "n" "foo//bar";\nfileinto :create "${n}";',
    plain,
  );
  assert.match(result.errors[0], /invalid mailbox name/);
});
pigeonhole('execute/errors "Action duplicates"', async () => {
  compileErrors('require "reject";\nreject "No.";\nreject "Really no.";');
  const result = await run('require "reject";\nif true { reject "No."; }\nreject "Really no.";', plain);
  assert.equal(result.errors.length, 1);
});
pigeonhole('execute/errors-cpu-limit "CPU limit"', async () => {
  // Postroom has no regex; the step limit bounds a script's work per message instead.
  const script = `require "variables";\n${Array.from({ length: 300 }, (_, n) => `if header :matches "subject" "*x*y*z*${n}" { stop; }`).join('\n')}`;
  const result = await run(script, plain, { mailboxExists: async () => true, limits: { maxSteps: 100 } });
  assert.match(result.errors[0], /too many steps/);
});

// --- reject / ereject
pigeonhole('reject/execute "Execute"', async () => {
  const result = await run(
    'require "reject";\nif address :contains "to" "lists.example" { reject "Not wanted."; stop; }\nkeep;',
    plain,
  );
  assert.deepEqual(result.actions, [{ type: 'reject', reason: 'Not wanted.', extended: false }]);
});
test('ereject is marked extended, needs its own require, and cancels the implicit keep', async () => {
  const result = await run('require "ereject";\nereject "Go away.";', plain);
  assert.deepEqual(result.actions, [{ type: 'reject', reason: 'Go away.', extended: true }]);
  compileErrors('require "reject";\nereject "x";');
});

// --- mailbox
const boxes = env(['INBOX', 'a', 'b', 'c']);
const exists = async (expr: string, expected: boolean) => {
  const result = await run(`require "mailbox";\nif ${expr} { discard; }`, plain, boxes);
  assert.equal(result.actions[0].type === 'discard', expected, expr);
};
pigeonhole('mailbox/execute "MailboxExists - None exist"', () => exists('mailboxexists "z"', false));
pigeonhole('mailbox/execute "MailboxExists - Not all exist"', () =>
  exists('mailboxexists ["a", "b", "z"]', false),
);
pigeonhole('mailbox/execute "MailboxExists - One exists"', () => exists('mailboxexists ["a"]', true));
pigeonhole('mailbox/execute "MailboxExists - All exist"', () =>
  exists('mailboxexists ["a", "b", "c"]', true),
);
pigeonhole('mailbox/execute ":Create"', async () => {
  const result = await run('require ["mailbox", "fileinto"];\nfileinto :create "created";', plain, boxes);
  assert.deepEqual(result.actions, [{ type: 'fileinto', mailbox: 'created', flags: [], create: true }]);
});
pigeonhole('mailbox/errors "Invalid Syntax"', () => {
  const r = 'require ["mailbox", "fileinto"];\n';
  for (const bad of [
    'if mailboxexists {}',
    'if mailboxexists 3 {}',
    'if mailboxexists :x {}',
    'if mailboxexists 3 "a" {}',
    'if mailboxexists "a" 3 {}',
    'if mailboxexists "a" :x {}',
    'if mailboxexists "a" ["b"] {}',
    'fileinto :create 3 "a";',
    'fileinto :create :x "a";',
    'fileinto :create 3;',
  ]) {
    compileErrors(r + bad);
  }
  compileOk(`${r}if mailboxexists ["a", "b"] {}\nfileinto :create "a";`);
  compileErrors('require "fileinto";\nfileinto :create "a";');
});

// --- copy
test(':copy keeps the implicit keep; without it redirect and fileinto cancel it', async () => {
  const copy = await run(
    'require ["copy", "fileinto"];\nredirect :copy "a@example.com";\nfileinto :copy "Archive";',
    plain,
    any,
  );
  assert.deepEqual(copy.actions, [
    { type: 'keep', flags: [] },
    { type: 'redirect', address: 'a@example.com' },
    { type: 'fileinto', mailbox: 'Archive', flags: [], create: false },
  ]);
  const moved = await run('redirect "a@example.com";', plain);
  assert.deepEqual(moved.actions, [{ type: 'redirect', address: 'a@example.com' }]);
  compileErrors('redirect :copy "a@example.com";');
});

// --- vacation
const vac = (headers: string, options: Parameters<typeof message>[1] = {}) =>
  message(`${headers}\nSubject: Hello\n\nHi!\n`, {
    envelopeFrom: 'timo@example.com',
    user: 'kim@example.com',
    ...options,
  });
const replies = async (msg: ReturnType<typeof message>, script = 'vacation "I am away.";') => {
  const result = await run(`require ["vacation", "vacation-seconds"];\n${script}`, msg);
  assert.deepEqual(result.errors, []);
  return result.actions.find((a) => a.type === 'vacation');
};
pigeonhole('vacation/reply "No reply to own address"', async () =>
  assert.equal(
    await replies(vac('From: kim@example.com\nTo: kim@example.com', { envelopeFrom: 'kim@example.com' })),
    undefined,
  ),
);
pigeonhole('vacation/reply "No reply to alternative address"', async () =>
  assert.equal(
    await replies(
      vac('From: alt@example.com\nTo: kim@example.com', { envelopeFrom: 'alt@example.com' }),
      'vacation :addresses "alt@example.com" "Away.";',
    ),
    undefined,
  ),
);
pigeonhole('vacation/reply "No reply to mailing list"', async () =>
  assert.equal(
    await replies(
      vac('From: timo@example.com\nTo: kim@example.com\nList-ID: <users.lists.example.com>', {
        envelopeFrom: 'users-bounces@lists.example.com',
      }),
    ),
    undefined,
  ),
);
pigeonhole('vacation/reply "No reply to bulk mail"', async () =>
  assert.equal(await replies(vac('From: x@example.com\nTo: kim@example.com\nPrecedence: bulk')), undefined),
);
pigeonhole('vacation/reply "No reply to auto-submitted mail"', async () =>
  assert.equal(
    await replies(vac('From: x@example.com\nTo: kim@example.com\nAuto-submitted: auto-replied')),
    undefined,
  ),
);
pigeonhole('vacation/reply "No reply to Microsoft X-Auto-Response-Suppress - All"', async () =>
  assert.equal(
    await replies(vac('From: x@example.com\nTo: kim@example.com\nX-Auto-Response-Suppress: All')),
    undefined,
  ),
);
pigeonhole('vacation/reply "No reply to Microsoft X-Auto-Response-Suppress - OOF"', async () =>
  assert.equal(
    await replies(vac('From: x@example.com\nTo: kim@example.com\nX-Auto-Response-Suppress: OOF')),
    undefined,
  ),
);
pigeonhole('vacation/reply "No reply to Microsoft X-Auto-Response-Suppress - DR,OOF,RN"', async () =>
  assert.equal(
    await replies(vac('From: x@example.com\nTo: kim@example.com\nX-Auto-Response-Suppress: DR, OOF,\tRN')),
    undefined,
  ),
);
pigeonhole('vacation/reply "No reply to system address"', async () => {
  for (const sender of [
    'users-request@lists.example.com',
    'owner-users@lists.example.com',
    'MAILER-DAEMON@example.com',
    '',
  ]) {
    assert.equal(
      await replies(vac('From: x@example.com\nTo: kim@example.com', { envelopeFrom: sender })),
      undefined,
      sender,
    );
  }
});
pigeonhole('vacation/reply "No reply for implicitly delivered message"', async () =>
  assert.equal(await replies(vac('From: timo@example.com\nTo: all@example.com')), undefined),
);
pigeonhole('vacation/reply "Reply for normal mail"', async () => {
  const action = await replies(
    vac(
      'From: timo@example.com\nTo: kim@example.com\nAuto-submitted: no\nPrecedence: normal\nX-Auto-Response-Suppress: None',
    ),
  );
  assert.equal(action?.type === 'vacation' && action.replyTo, 'timo@example.com');
});
pigeonhole('vacation/reply "Reply for :addresses"', async () =>
  assert.ok(
    await replies(
      vac('From: timo@example.com\nTo: all@example.com'),
      'vacation :addresses "all@example.com" "Away.";',
    ),
  ),
);
pigeonhole('vacation/reply "Reply for :addresses (case sensitivity)"', async () =>
  assert.ok(
    await replies(
      vac('From: timo@example.com\nTo: Kim.Lee@example.com'),
      'vacation :addresses "kim.lee@example.com" "Away.";',
    ),
  ),
);
pigeonhole('vacation/reply "Reply for user\'s explicitly configured email address"', async () =>
  assert.ok(
    await replies(
      vac('From: timo@example.com\nTo: k.lee@example.com', { userAddresses: ['k.lee@example.com'] }),
    ),
  ),
);
pigeonhole('vacation/execute "Action"', async () => {
  const result = await run(
    'require "vacation";\nvacation :addresses "kim@example.com" "Not at home today";\nkeep;',
    vac('From: timo@example.com\nTo: kim@example.com'),
  );
  assert.deepEqual(
    result.actions.map((a) => a.type),
    ['vacation', 'keep'],
  );
  const action = result.actions[0];
  assert.ok(action.type === 'vacation');
  assert.equal(action.seconds, 7 * 86_400);
  assert.equal(action.reason, 'Not at home today');
});
pigeonhole('vacation/execute "No :handle specified"', async () => {
  const script =
    'set "why" "a conference";\nvacation :subject "Out: ${why}" :from "kim@example.com" "Gone: ${why}.";';
  const msg = vac('From: timo@example.com\nTo: kim@example.com');
  const result = await run(`require ["vacation", "variables"];\n${script}`, msg);
  const action = result.actions.find((a) => a.type === 'vacation');
  assert.ok(action && action.type === 'vacation');
  assert.equal(action.subject, 'Out: a conference');
  assert.equal(action.from, 'kim@example.com');
  assert.match(action.handle, /^[0-9a-f]{32}$/);
  const other = await run(`require ["vacation", "variables"];\n${script.replace('Gone', 'Away')}`, msg);
  const otherAction = other.actions.find((a) => a.type === 'vacation');
  assert.notEqual(
    otherAction?.type === 'vacation' && otherAction.handle,
    action.handle,
    'the handle follows the text',
  );
});
pigeonhole('vacation/execute "Using :seconds tag"', async () => {
  const action = await replies(
    vac('From: timo@example.com\nTo: kim@example.com'),
    'vacation :seconds 120 :handle "h1" "Back soon.";\nkeep;',
  );
  assert.ok(action?.type === 'vacation');
  assert.equal(action.seconds, 120);
  assert.equal(action.handle, 'h1');
  compileErrors('require "vacation";\nvacation :seconds 120 "x";');
  compileErrors('require "vacation-seconds";\nvacation :seconds 1 :days 1 "x";');
});
pigeonhole('vacation/errors "Action conflicts: reject <-> vacation"', async () => {
  compileErrors('require ["vacation", "reject"];\nvacation "Away.";\nreject "No.";');
  const result = await run(
    'require ["vacation", "reject"];\nif true { vacation "Away."; }\nreject "No.";',
    vac('From: timo@example.com\nTo: kim@example.com'),
  );
  assert.equal(result.errors.length, 1);
});
test('usesVacation tells the console whether a script answers', () => {
  const withVacation = compileSieve(
    'require "vacation";\nif header :contains "subject" "x" { vacation "Away."; }',
  );
  const without = compileSieve('keep;');
  assert.ok(withVacation.ok && without.ok);
  assert.equal(usesVacation(withVacation.script), true);
  assert.equal(usesVacation(without.script), false);
});

// --- editheader
const edit = `X-A: first a
X-B: first b
X-C: first c
From: kim@example.com
X-D: only d
To: lee@example.com
Subject: Edit me
X-A: second a
X-B: second b
X-C: second c

Body!
`;
const E =
  'require ["editheader", "variables", "fileinto", "mailbox", "relational", "index", "comparator-i;ascii-numeric"];\n';
const editRun = (script: string, text = edit) => run(E + script, message(text), any);
const size = message(edit).size;
pigeonhole('editheader/addheader "Addheader - first"', async () => {
  const added = Buffer.byteLength('X-Some: Header content\r\n');
  const result = await editRun(
    `addheader "X-Some" "Header content";\nif allof (size :over ${size + added - 1}, size :under ${size + added + 1}, header :is "x-some" "Header content", header :is "subject" "Edit me") { fileinto "ok"; }`,
  );
  assert.deepEqual(result.headerEdits, [{ op: 'add', name: 'X-Some', value: 'Header content', last: false }]);
  assert.equal(result.actions[0].type === 'fileinto' && result.actions[0].mailbox, 'ok');
});
pigeonhole('editheader/addheader "Addheader - first (two)"', async () => {
  const result = await editRun(
    'addheader "X-One" "1";\naddheader "X-Two" "2";\nif header :index 1 "x-two" "2" { fileinto "ok"; }',
  );
  assert.equal(result.headerEdits.length, 2);
  assert.equal(result.actions[0].type, 'fileinto');
});
pigeonhole('editheader/addheader "Addheader - last"', async () => {
  const result = await editRun('addheader :last "X-Some" "content";\nif exists "x-some" { fileinto "ok"; }');
  assert.deepEqual(result.headerEdits, [{ op: 'add', name: 'X-Some', value: 'content', last: true }]);
  assert.equal(result.actions[0].type, 'fileinto');
});
pigeonhole('editheader/addheader "Addheader - last (two)"', async () => {
  const result = await editRun(
    'addheader :last "X-Some" "1";\naddheader "X-Other" "2";\nif allof (exists "x-some", exists "x-other") { fileinto "ok"; }',
  );
  assert.deepEqual(
    result.headerEdits.map((e) => e.last),
    [true, false],
  );
  assert.equal(result.actions[0].type, 'fileinto');
});
pigeonhole('editheader/addheader "Addheader - framed"', async () => {
  const result = await editRun(
    'addheader "X-First" "top";\naddheader :last "X-Last" "bottom";\nif allof (header :is "x-first" "top", header :is "x-last" "bottom") { fileinto "ok"; }',
  );
  assert.equal(result.actions[0].type, 'fileinto');
});
pigeonhole('editheader/addheader "Addheader - folded"', async () => {
  const long =
    'This is long header content that a writer will fold over several lines when it stores the message, tested here.';
  const result = await editRun(
    `set "v" "${long}";\naddheader :last "X-Long" "\${v}";\nif header :is "x-long" "\${v}" { fileinto "ok"; }`,
  );
  assert.equal(result.actions[0].type, 'fileinto');
});
pigeonhole('editheader/addheader "Addheader - newlines"', async () => {
  const result = await editRun(
    'set "v" text:\nLong header content\n containing newlines\n that are folds.\n.\n;\naddheader "X-Folded" "${v}";\nif header :is "x-folded" "Long header content containing newlines that are folds." { fileinto "ok"; }',
  );
  assert.equal(result.actions[0].type, 'fileinto');
  assert.deepEqual(result.headerEdits[0].value, 'Long header content containing newlines that are folds.');
});
pigeonhole('editheader/addheader "Addheader - implicit keep"', async () => {
  const result = await editRun('addheader "X-Some" "content";');
  assert.deepEqual(result.actions, [{ type: 'keep', flags: [] }]);
  assert.equal(result.headerEdits.length, 1);
});
pigeonhole('editheader/addheader "Addheader - UTF 8"', async () => {
  const result = await editRun(
    'addheader "X-Some" "Это тест!";\nif header :is "x-some" "Это тест!" { fileinto "ok"; }',
  );
  assert.equal(result.actions[0].type, 'fileinto');
  assert.match(result.headerEdits[0].value ?? '', /^=\?UTF-8\?Q\?/);
});
pigeonhole('editheader/addheader "Addheader - empty"', async () => {
  const result = await editRun('addheader "X-Empty" "";\nif header :is "x-empty" "" { fileinto "ok"; }', '');
  assert.equal(result.actions[0].type, 'fileinto');
});
pigeonhole('editheader/deleteheader "Deleteheader - nonexistent"', async () => {
  const result = await editRun(`deleteheader "X-Z";\nif not size :under ${size} { fileinto "ok"; }`);
  assert.deepEqual(result.headerEdits, []);
  assert.equal(result.actions[0].type, 'fileinto');
});
pigeonhole('editheader/deleteheader "Deleteheader - nonexistent (match)"', async () => {
  const result = await editRun('deleteheader :matches "X-Z" "*x*";');
  assert.deepEqual(result.headerEdits, []);
});
pigeonhole('editheader/deleteheader "Deleteheader - one"', async () => {
  const removed = Buffer.byteLength('X-D: only d\r\n');
  const result = await editRun(
    `deleteheader "X-D";\nif allof (not exists "x-d", size :over ${size - removed - 1}, size :under ${size - removed + 1}) { fileinto "ok"; }`,
  );
  assert.deepEqual(result.headerEdits, [{ op: 'delete', name: 'X-D', index: 1 }]);
  assert.equal(result.actions[0].type, 'fileinto');
});
pigeonhole('editheader/deleteheader "Deleteheader - two (first)"', async () => {
  const result = await editRun(
    'deleteheader "X-A";\nif allof (not exists "x-a", header :is "x-b" "second b") { fileinto "ok"; }',
  );
  assert.deepEqual(result.headerEdits, [
    { op: 'delete', name: 'X-A', index: 2 },
    { op: 'delete', name: 'X-A', index: 1 },
  ]);
  assert.equal(result.actions[0].type, 'fileinto');
});
pigeonhole('editheader/deleteheader "Deleteheader - two (last)"', async () => {
  const result = await editRun(
    'deleteheader "X-C";\nif allof (not exists "x-c", header :is "x-a" "second a") { fileinto "ok"; }',
  );
  assert.equal(result.headerEdits.length, 2);
  assert.equal(result.actions[0].type, 'fileinto');
});
pigeonhole('editheader/deleteheader "Deleteheader - :index"', async () => {
  const result = await editRun(
    'deleteheader :index 1 "X-A";\ndeleteheader :index 2 "X-C";\nif allof (header :is "x-a" "second a", header :is "x-c" "first c", not header :is "x-a" "first a", not header :is "x-c" "second c") { fileinto "ok"; }',
  );
  assert.deepEqual(result.headerEdits, [
    { op: 'delete', name: 'X-A', index: 1 },
    { op: 'delete', name: 'X-C', index: 2 },
  ]);
  assert.equal(result.actions[0].type, 'fileinto');
});
pigeonhole('editheader/deleteheader "Deleteheader - :index :last"', async () => {
  const result = await editRun(
    'deleteheader :index 1 :last "X-A";\ndeleteheader :last :index 2 "X-C";\nif allof (header :is "x-a" "first a", header :is "x-c" "second c", not header :is "x-a" "second a") { fileinto "ok"; }',
  );
  assert.deepEqual(result.headerEdits, [
    { op: 'delete', name: 'X-A', index: 2 },
    { op: 'delete', name: 'X-C', index: 1 },
  ]);
  assert.equal(result.actions[0].type, 'fileinto');
});
pigeonhole('editheader/deleteheader "Deleteheader - implicit keep"', async () => {
  const result = await editRun('deleteheader "X-D";');
  assert.deepEqual(result.actions, [{ type: 'keep', flags: [] }]);
  assert.equal(result.headerEdits.length, 1);
});
pigeonhole('editheader/deleteheader "Deleteheader - :matches"', async () => {
  const text =
    'X-A: one small story\nX-B: to test that the\nX-A: right fields get\nX-B: removed as intended\nX-D: and nothing else!\n\nx\n';
  const result = await editRun(
    'deleteheader :matches "X-A" "*small*";\ndeleteheader :contains "X-B" ["intended", "zzz"];\ndeleteheader :contains "X-D" "!";\nif allof (header :is "x-a" "right fields get", not header :is "x-a" "one small story", header :is "x-b" "to test that the", not exists "x-d") { fileinto "ok"; }',
    text,
  );
  assert.equal(result.actions[0].type, 'fileinto');
  assert.deepEqual(result.headerEdits, [
    { op: 'delete', name: 'X-A', index: 1 },
    { op: 'delete', name: 'X-B', index: 2 },
    { op: 'delete', name: 'X-D', index: 1 },
  ]);
});
const folded =
  'X-A: A long folded header\n that goes on. Top.\nX-B: first unfolded\nX-A: A long folded header\n that goes on. Bottom.\nX-B: second unfolded\n\nx\n';
pigeonhole('editheader/deleteheader "Deleteheader - folded"', async () => {
  const result = await editRun(
    'deleteheader "X-A";\nif allof (not exists "x-a", header :is "x-b" "second unfolded") { fileinto "ok"; }',
    folded,
  );
  assert.equal(result.actions[0].type, 'fileinto');
});
pigeonhole('editheader/deleteheader "Deleteheader - folded (match)"', async () => {
  const result = await editRun(
    'deleteheader :matches "X-A" "*goes on*";\nif not exists "x-a" { fileinto "ok"; }',
    folded,
  );
  assert.equal(result.actions[0].type, 'fileinto');
});
pigeonhole('editheader/deleteheader "Ignoring whitespace"', async () => {
  const result = await editRun(
    'deleteheader :is "subject" "Help";\ndeleteheader :is "x-a" "Text";\nif not anyof (exists "subject", exists "x-a") { fileinto "ok"; }',
    'Subject:      Help\nX-A:     Text   \n\nx\n',
  );
  assert.equal(result.actions[0].type, 'fileinto');
});
pigeonhole('editheader/deleteheader "Interaction with body test"', async () => {
  const result = await run(
    'require ["editheader", "body", "fileinto"];\naddheader "X-New" "x";\nif body "!nothing!" {}\ndeleteheader "subject";\nif not exists "subject" { fileinto "ok"; }',
    message(edit),
    any,
  );
  assert.equal(result.actions[0].type, 'fileinto');
});
pigeonhole('editheader/alternating "Alternating - add; delete"', async () => {
  const result = await editRun(
    'addheader "X-New" "content";\ndeleteheader "X-New";\nif not exists "x-new" { fileinto "ok"; }',
  );
  assert.deepEqual(result.headerEdits, [
    { op: 'add', name: 'X-New', value: 'content', last: false },
    { op: 'delete', name: 'X-New', index: 1 },
  ]);
  assert.equal(result.actions[0].type, 'fileinto');
});
pigeonhole('editheader/alternating "Alternating - delete; add"', async () => {
  const result = await editRun(
    'deleteheader "Subject";\naddheader "Subject" "Replaced!";\nif header :is "subject" "Replaced!" { fileinto "ok"; }',
  );
  assert.equal(result.actions[0].type, 'fileinto');
});
pigeonhole('editheader/alternating "Alternating - add :last; delete any"', async () => {
  const result = await editRun(
    'addheader :last "X-New" "content";\ndeleteheader "X-Other";\nif header :is "x-new" "content" { fileinto "ok"; }',
  );
  assert.equal(result.headerEdits.length, 1);
  assert.equal(result.actions[0].type, 'fileinto');
});
pigeonhole('editheader/errors "Invalid field-name"', () => {
  for (const bad of [
    'addheader "X-field:" "v";',
    'addheader "X field" "v";',
    'deleteheader "X-field:";',
    'deleteheader "X field";',
  ]) {
    compileErrors(`require "editheader";\n${bad}`);
  }
  compileOk('require "editheader";\naddheader "X-field" "v";\ndeleteheader "X-field";');
});
pigeonhole('editheader/errors "Invalid field-name at runtime "', async () => {
  const result = await editRun('set "h" "X-field:";\naddheader "${h}" "v";');
  assert.match(result.errors[0], /invalid header field name/);
  assert.deepEqual(result.headerEdits, []);
});
pigeonhole('editheader/errors "Invalid field value"', async () => {
  compileOk('require "editheader";\naddheader "X-field" "one\ntwo";');
  const result = await editRun('set "v" "bad\u0000value";\naddheader "X-field" "${v}";');
  assert.match(result.errors[0], /NUL/);
});
pigeonhole('editheader/errors "deleteheader :last without :index"', () => {
  compileErrors('require "editheader";\ndeleteheader :last "X-field:";');
});
pigeonhole('editheader/errors "Command syntax"', () => {
  for (const bad of [
    'addheader;',
    'addheader "x";',
    'addheader "x" 2;',
    'addheader "x" ["y"];',
    'addheader :tag "x" "y";',
    'deleteheader;',
    'deleteheader :last "x";',
    'deleteheader :index "a" "x";',
    'deleteheader "x" 1;',
  ]) {
    compileErrors(`require "editheader";\n${bad}`);
  }
  compileOk('require "editheader";\ndeleteheader :matches "x";');
});
pigeonhole('editheader/errors "Implicit keep at runtime error"', async () => {
  const result = await run(
    'require ["editheader", "fileinto"];\naddheader "X-Added" "v";\nfileinto "No/Such/Folder";',
    message(edit),
    env(['INBOX']),
  );
  assert.equal(result.errors.length, 1);
  assert.deepEqual(result.actions, [{ type: 'keep', flags: [] }]);
  assert.deepEqual(result.headerEdits, [], 'the kept message carries no edits');
});
pigeonhole('editheader/protected "Default protected"', async () => {
  const text =
    'Received: by example.com; Mon, 21 Nov 2011 05:25:26 +0200\nAuto-Submitted: yes\nSubject: s\n\nx\n';
  const compiled = compileSieve(
    'require ["editheader", "fileinto"];\ndeleteheader "received";\ndeleteheader "auto-submitted";\ndeleteheader "subject";\nif allof (exists "received", exists "auto-submitted", not exists "subject") { fileinto "ok"; }',
  );
  assert.ok(compiled.ok);
  assert.equal(compiled.warnings.length, 2, 'the ignored edits are pointed out when saved');
  const result = await runSieve([compiled.script], message(text), any);
  assert.equal(result.actions[0].type, 'fileinto');
  assert.deepEqual(result.headerEdits, [{ op: 'delete', name: 'subject', index: 1 }]);
});
pigeonhole('editheader/utf8 "UTF8 - add; get"', async () => {
  const result = await editRun(
    'set "c" "Ein unerhört großer Test";\naddheader "Comment" "${c}";\nif header :is "comment" "${c}" { fileinto "ok"; }',
  );
  assert.equal(result.actions[0].type, 'fileinto');
});
pigeonhole('editheader/utf8 "UTF8 - existing; delete other; get"', async () => {
  const result = await editRun(
    'deleteheader "x-spam";\nif header :is "comment" "Ein unerhört großer Test" { fileinto "ok"; }',
    'Subject: s\nComment: Ein =?utf-8?q?unerh=C3=B6rt_gro=C3=9Fer?= Test\nX-Spam: no\n\nx\n',
  );
  assert.equal(result.actions[0].type, 'fileinto');
});

// --- several scripts (an admin's "before" script, then the user's)
test('a later script runs only while the implicit keep stands; flags and variables are per script', async () => {
  const before = compileOk(
    'require ["fileinto", "variables"];\nset "x" "admin";\nif header :contains "subject" "SPAM" { fileinto "Junk"; }',
  );
  const user = compileOk(
    'require ["fileinto", "variables", "imap4flags"];\nif string :is "${x}" "" { addflag "$Checked"; }\nfileinto "Mine";',
  );
  const spam = await runSieve([before, user], message('Subject: SPAM here\n\nx\n'), any);
  assert.deepEqual(spam.actions, [{ type: 'fileinto', mailbox: 'Junk', flags: [], create: false }]);
  const ham = await runSieve([before, user], message('Subject: hello\n\nx\n'), any);
  assert.deepEqual(ham.actions, [{ type: 'fileinto', mailbox: 'Mine', flags: ['$Checked'], create: false }]);
});

test('the message stream is read only as far as needed, and a failing stream is a runtime error', async () => {
  const { Readable } = await import('node:stream');
  let pulled = 0;
  const huge: Parameters<typeof runSieve>[1] = {
    ...message('x'),
    size: 50_000_000,
    open: () =>
      Readable.from(
        (function* () {
          yield Buffer.from('Subject: big\r\n\r\n');
          for (let n = 0; n < 50_000; n++) {
            pulled++;
            yield Buffer.alloc(1000, 0x61);
          }
        })(),
      ),
  };
  const result = await runSieve([compileOk('if header :is "subject" "big" { discard; }')], huge, any);
  assert.deepEqual(result.actions, [{ type: 'discard' }]);
  assert.ok(pulled < 5, `header-only script pulled ${pulled} body chunks`);
  const broken: Parameters<typeof runSieve>[1] = {
    ...message('x'),
    open: () =>
      new Readable({
        read() {
          this.destroy(new Error('disk went away'));
        },
      }),
  };
  const failed = await runSieve([compileOk('keep;')], broken, any);
  assert.match(failed.errors[0], /disk went away/);
  assert.deepEqual(failed.actions, [{ type: 'keep', flags: [] }]);
});

test('the compiled form survives JSON and a bad compiled form is refused', async () => {
  const { serializeSieve, deserializeSieve } = await import('../../server/sieve/index');
  const script = compileOk('require "fileinto";\nif header :contains "subject" "x" { fileinto "X"; }');
  const back = deserializeSieve(serializeSieve(script));
  const result = await runSieve([back], message('Subject: x\n\nx\n'), any);
  assert.deepEqual(result.actions, [{ type: 'fileinto', mailbox: 'X', flags: [], create: false }]);
  assert.throws(() => deserializeSieve('{"version":2}'));
  assert.equal(await holds([], 'true', plain), true);
});

pigeonhole('execute/address-normalize "Mail address normalization - redirect"', async () => {
  const result = await run(
    'redirect "\\"S[r]us\\"@example.net";\nredirect "\\"Sirius\\"@example.net";\nredirect "\\"Some One\\" <\\"S.One\\"@example.net>";',
    plain,
  );
  assert.deepEqual(
    result.actions.map((a) => a.type === 'redirect' && a.address),
    ['"S[r]us"@example.net', 'Sirius@example.net', 'S.One@example.net'],
  );
});

// --- execute/examples: whole scripts in the style of the published examples (our own text)
const exampleMessage = (headers: string, size = '') => message(`${headers}\nSubject: hello\n\nbody${size}\n`);
pigeonhole('execute/examples "RFC 3028 example"', async () => {
  const script = `require ["fileinto", "reject"];
if size :over 1M {
    reject text:
Please send a link instead of a big file.
.... (dot-stuffed)
.
;
    stop;
}
if header :is "Sender" "owner-lists@example.org" { fileinto "lists"; }
elsif address :domain :is ["From", "To"] "example.com" { keep; }
elsif anyof (not address :all :contains ["To", "Cc", "Bcc"] "me@home.example",
             header :matches "subject" ["*win*cash*", "*cheap*pills*"]) { fileinto "spam"; }
else { fileinto "personal"; }`;
  const fromList = await run(
    script,
    exampleMessage('Sender: owner-lists@example.org\nTo: me@home.example'),
    any,
  );
  assert.deepEqual(fromList.actions, [{ type: 'fileinto', mailbox: 'lists', flags: [], create: false }]);
  const colleague = await run(script, exampleMessage('From: boss@example.com\nTo: me@home.example'), any);
  assert.deepEqual(colleague.actions, [{ type: 'keep', flags: [] }]);
  const notToMe = await run(script, exampleMessage('From: x@example.net\nTo: other@example.net'), any);
  assert.deepEqual(notToMe.actions, [{ type: 'fileinto', mailbox: 'spam', flags: [], create: false }]);
  const friend = await run(script, exampleMessage('From: x@example.net\nTo: me@home.example'), any);
  assert.deepEqual(friend.actions, [{ type: 'fileinto', mailbox: 'personal', flags: [], create: false }]);
  const big = message('From: x@example.net\nTo: me@home.example\nSubject: s\n\nx\n');
  const rejected = await run(script, { ...big, size: 2 * 1024 * 1024 }, any);
  assert.equal(
    rejected.actions[0].type === 'reject' && rejected.actions[0].reason.split('\r\n')[1],
    '... (dot-stuffed)',
  );
});
pigeonhole('execute/examples "Sieve examples"', async () => {
  const script = `require ["fileinto", "envelope", "copy"];
if anyof (exists "X-Spam-Flag", header :contains "X-Spam-Level" "*****") { fileinto "Junk"; stop; }
if envelope :domain :is "from" "partner.example" { redirect :copy "archive@example.com"; }
if header :contains ["List-Id", "List-Post"] "announce" { fileinto "Announcements"; }`;
  const result = await run(
    script,
    message('From: a@partner.example\nList-Id: <announce.partner.example>\nSubject: s\n\nx\n', {
      envelopeFrom: 'a@partner.example',
    }),
    any,
  );
  assert.deepEqual(result.actions, [
    { type: 'redirect', address: 'archive@example.com' },
    { type: 'fileinto', mailbox: 'Announcements', flags: [], create: false },
  ]);
  const junk = await run(script, message('X-Spam-Level: ******\nSubject: s\n\nx\n'), any);
  assert.deepEqual(junk.actions, [{ type: 'fileinto', mailbox: 'Junk', flags: [], create: false }]);
});
pigeonhole('execute/examples "Sanjay example"', async () => {
  const domains = Array.from({ length: 120 }, (_, n) => `"offers${n}.example"`).join(', ');
  const script = `require "fileinto";
if anyof (header :contains ["from", "Received", "Sender", "To", "CC", "Subject"] [${domains}],
          header :contains "subject" ["viagra", "mortgage"]) { fileinto "Spam"; stop; }
if allof (not exists "Date", not exists "Message-Id") { fileinto "Suspect"; }`;
  const spam = await run(script, message('From: deals@offers77.example\nDate: x\nSubject: s\n\nx\n'), any);
  assert.deepEqual(spam.actions, [{ type: 'fileinto', mailbox: 'Spam', flags: [], create: false }]);
  const bare = await run(script, message('From: someone@example.org\nSubject: s\n\nx\n'), any);
  assert.deepEqual(bare.actions, [{ type: 'fileinto', mailbox: 'Suspect', flags: [], create: false }]);
});
pigeonhole('execute/examples "Relational (RFC5231) example"', async () => {
  const script = `require ["relational", "comparator-i;ascii-numeric", "fileinto"];
if header :value "lt" :comparator "i;ascii-numeric" ["x-priority"] ["3"] { fileinto "Urgent"; }
elsif address :count "gt" :comparator "i;ascii-numeric" ["to", "cc"] ["3"] { fileinto "Crowd"; }`;
  const urgent = await run(script, message('X-Priority: 1\nSubject: s\n\nx\n'), any);
  assert.deepEqual(urgent.actions, [{ type: 'fileinto', mailbox: 'Urgent', flags: [], create: false }]);
  const crowd = await run(
    script,
    message('To: a@x.example, b@x.example\nCc: c@x.example, d@x.example\nSubject: s\n\nx\n'),
    any,
  );
  assert.deepEqual(crowd.actions, [{ type: 'fileinto', mailbox: 'Crowd', flags: [], create: false }]);
});
pigeonhole('editheader/execute "Multi script"', async () => {
  const before = compileOk('require "editheader";\naddheader "X-Filtered" "admin";\ndeleteheader "X-Drop";');
  const personal = compileOk(
    'require ["editheader", "fileinto"];\nif header :is "x-filtered" "admin" { addheader :last "X-Seen-By" "user"; fileinto "Checked"; }',
  );
  const result = await runSieve([before, personal], message('X-Drop: me\nSubject: s\n\nx\n'), any);
  assert.deepEqual(result.actions, [{ type: 'fileinto', mailbox: 'Checked', flags: [], create: false }]);
  assert.deepEqual(result.headerEdits, [
    { op: 'add', name: 'X-Filtered', value: 'admin', last: false },
    { op: 'delete', name: 'X-Drop', index: 1 },
    { op: 'add', name: 'X-Seen-By', value: 'user', last: true },
  ]);
});
