// Address lists in ENVELOPE (RFC 3501 section 7.4.2) and the cached From/To/Cc columns SEARCH uses,
// for the cases Dovecot's imaptest checks (fetch-envelope, search-addresses): comments are not
// addresses, comments inside an angle-addr are dropped, group names stay searchable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from '../../server/mime/parse';
import { formatEnvelope } from '../../server/mime/imap-format';

function message(headers: string): Buffer {
  return Buffer.from(`${headers.trim().replace(/\n/g, '\r\n')}\r\n\r\nbody\r\n`, 'latin1');
}

test('a group member that is only a comment is no address', () => {
  const parsed = parseMessage(message('From: user@domain (Real Name)\nCc: group:;, group2: (foo) ;'));
  const envelope = formatEnvelope(parsed.envelope);
  assert.match(envelope, /\(\("Real Name" NIL "user" "domain"\)\)/);
  assert.ok(
    envelope.includes('((NIL NIL "group" NIL)(NIL NIL NIL NIL)(NIL NIL "group2" NIL)(NIL NIL NIL NIL))'),
    envelope,
  );
  assert.ok(!envelope.includes('MISSING_DOMAIN'), envelope);
});

test('a bare local part is still an address without a domain', () => {
  const parsed = parseMessage(message('From: a@b\nTo: bob'));
  assert.deepEqual(parsed.envelope.to, [{ name: null, mailbox: 'bob', host: 'MISSING_DOMAIN' }]);
});

test('comments inside an angle-addr are dropped, so the address is searchable', () => {
  const parsed = parseMessage(message('From: <user-from (comment)@ (comment) domain.org>'));
  assert.deepEqual(parsed.envelope.from, [{ name: null, mailbox: 'user-from', host: 'domain.org' }]);
  assert.equal(parsed.from, '<user-from@domain.org>');
});

test('quoted names keep their parentheses and commas', () => {
  const parsed = parseMessage(message('From: "a, (b)" <x@y.org>'));
  assert.deepEqual(parsed.envelope.from, [{ name: 'a, (b)', mailbox: 'x', host: 'y.org' }]);
});

test('group names stay in the cached To column, empty groups included', () => {
  const parsed = parseMessage(
    message(
      'From: a@b\nTo: groupname: groupuser1@domain.org, groupuser2@domain.org;,\n  groupname2: groupuser3@domain.org;\nCc: empty:;',
    ),
  );
  assert.equal(
    parsed.to,
    'groupname: <groupuser1@domain.org>, <groupuser2@domain.org>;, groupname2: <groupuser3@domain.org>;',
  );
  assert.equal(parsed.cc, 'empty: ;');
});
