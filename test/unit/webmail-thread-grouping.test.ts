// Conversation grouping for the webmail: the server's THREAD response flattened per thread, the
// In-Reply-To fallback without THREAD, newest conversation first, and cross-folder merging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupByReplies, newestThreadsFirst, threadsFromResponse } from '../../server/webmail/threads';
import { mergeNewestFirst } from '../../server/webmail/search-all';
import type { MessageSummary } from '../../server/webmail/types';

const atom = (value: string) => ({ type: 'ATOM', value });

test('a THREAD response (RFC 5256 section 4 example) becomes one UID list per thread', () => {
  // * THREAD (2)(3 6 (4 23)(44 7 96))
  const attributes = [
    [atom('2')],
    [atom('3'), atom('6'), [atom('4'), atom('23')], [atom('44'), atom('7'), atom('96')]],
  ];
  assert.deepEqual(threadsFromResponse(attributes), [[2], [3, 6, 4, 23, 44, 7, 96]]);
  assert.deepEqual(threadsFromResponse([]), []);
  assert.deepEqual(threadsFromResponse([[atom('x')], [atom('0')]]), [], 'no UIDs, no threads');
});

test('without THREAD, replies join their original through In-Reply-To, even out of order', () => {
  const groups = groupByReplies([
    { uid: 5, messageId: '<c@x>', inReplyTo: '<b@x>' },
    { uid: 1, messageId: '<a@x>' },
    { uid: 2, messageId: '<other@x>' },
    { uid: 3, messageId: '<b@x>', inReplyTo: '<A@x>' },
    { uid: 4, messageId: '<d@x>', inReplyTo: '<missing@x>' },
  ]);
  assert.deepEqual(groups.map((uids) => uids.join(',')).sort(), ['1,3,5', '2', '4']);
});

test('the conversation with the latest arrival comes first', () => {
  assert.deepEqual(newestThreadsFirst([[1, 9], [10], [2, 3]]), [[10], [1, 9], [2, 3]]);
});

test('results of several folders merge newest first, each keeping its folder', () => {
  const summary = (uid: number, folder: string, date: string | null): MessageSummary => ({
    uid,
    folder,
    from: [],
    to: [],
    subject: '',
    date,
    size: 0,
    flags: { seen: true, flagged: false, answered: false, draft: false, deleted: false },
    hasAttachment: false,
  });
  const merged = mergeNewestFirst([
    [summary(1, 'INBOX', '2026-12-01T10:00:00Z'), summary(7, 'INBOX', '2026-12-03T10:00:00Z')],
    [summary(1, 'Archive', '2026-12-02T10:00:00Z'), summary(2, 'Archive', null)],
  ]);
  assert.deepEqual(
    merged.map((m) => `${m.folder}/${m.uid}`),
    ['INBOX/7', 'Archive/1', 'INBOX/1', 'Archive/2'],
  );
});
