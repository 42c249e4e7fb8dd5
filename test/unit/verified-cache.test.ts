import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, verifyPassword } from '../../server/auth/password';
import {
  clearVerifiedCache,
  recentlyVerified,
  rememberVerified,
  verifiedCacheSize,
} from '../../server/auth/verified-cache';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$bm90LWEtcmVhbC1oYXNoLWF0LWFsbA';

beforeEach(() => {
  delete process.env.POSTROOM_AUTH_CACHE_TTL;
  delete process.env.POSTROOM_AUTH_CACHE_SIZE;
  clearVerifiedCache();
});
afterEach(() => {
  delete process.env.POSTROOM_AUTH_CACHE_TTL;
  delete process.env.POSTROOM_AUTH_CACHE_SIZE;
  clearVerifiedCache();
});

test('verified cache: a pair remembered answers within the TTL (default 1 hour) and not after', () => {
  const t0 = 1_000_000;
  rememberVerified(HASH, 'pw-one', t0);
  assert.equal(recentlyVerified(HASH, 'pw-one', t0 + 3_599_000), true);
  assert.equal(recentlyVerified(HASH, 'pw-one', t0 + 3_600_000), false);
  assert.equal(verifiedCacheSize(), 0, 'the expired entry is dropped');
  process.env.POSTROOM_AUTH_CACHE_TTL = '5';
  rememberVerified(HASH, 'pw-one', t0);
  assert.equal(recentlyVerified(HASH, 'pw-one', t0 + 4_999), true);
  assert.equal(recentlyVerified(HASH, 'pw-one', t0 + 5_000), false);
});

test('verified cache: a hit does not extend the TTL, and a lowered TTL applies to old entries', () => {
  const t0 = 1_000_000;
  process.env.POSTROOM_AUTH_CACHE_TTL = '10';
  rememberVerified(HASH, 'pw', t0);
  assert.equal(recentlyVerified(HASH, 'pw', t0 + 9_000), true);
  assert.equal(recentlyVerified(HASH, 'pw', t0 + 10_001), false);
  rememberVerified(HASH, 'pw', t0);
  process.env.POSTROOM_AUTH_CACHE_TTL = '2';
  assert.equal(recentlyVerified(HASH, 'pw', t0 + 1_000), false);
});

test('verified cache: a changed stored hash or another password misses', () => {
  rememberVerified(HASH, 'pw-one');
  assert.equal(recentlyVerified(`${HASH}x`, 'pw-one'), false);
  assert.equal(recentlyVerified(HASH, 'pw-one '), false);
  assert.equal(recentlyVerified(HASH, 'pw-onf'), false);
  // The separator keeps (hash, password) pairs apart that concatenate alike.
  assert.equal(recentlyVerified(HASH.slice(0, -1), `${HASH.slice(-1)}pw-one`), false);
  assert.equal(recentlyVerified(HASH, 'pw-one'), true);
});

test('verified cache: POSTROOM_AUTH_CACHE_TTL=0 turns it off', () => {
  process.env.POSTROOM_AUTH_CACHE_TTL = '0';
  rememberVerified(HASH, 'pw');
  assert.equal(verifiedCacheSize(), 0);
  assert.equal(recentlyVerified(HASH, 'pw'), false);
  process.env.POSTROOM_AUTH_CACHE_TTL = 'nonsense'; // a mistyped value keeps the default
  rememberVerified(HASH, 'pw');
  assert.equal(recentlyVerified(HASH, 'pw'), true);
});

test('verified cache: bounded by POSTROOM_AUTH_CACHE_SIZE, the least recently used go first', () => {
  process.env.POSTROOM_AUTH_CACHE_SIZE = '3';
  for (const pw of ['a', 'b', 'c']) rememberVerified(HASH, pw);
  assert.equal(recentlyVerified(HASH, 'a'), true); // 'a' is now the most recently used
  rememberVerified(HASH, 'd');
  assert.equal(verifiedCacheSize(), 3);
  assert.equal(recentlyVerified(HASH, 'b'), false, 'the least recently used was dropped');
  assert.equal(recentlyVerified(HASH, 'a'), true);
  assert.equal(recentlyVerified(HASH, 'c'), true);
  assert.equal(recentlyVerified(HASH, 'd'), true);
  delete process.env.POSTROOM_AUTH_CACHE_SIZE;
  for (let i = 0; i < 10_050; i++) rememberVerified(HASH, `pw-${i}`);
  assert.equal(verifiedCacheSize(), 10_000, 'default bound');
});

test('verifyPassword answers a remembered pair without computing the hash, and never remembers a failure', async () => {
  // Not a hash at all: only the cache can make this pair verify.
  rememberVerified('not-a-hash', 'Secret-pw-123');
  assert.equal(await verifyPassword('Secret-pw-123', 'not-a-hash'), true);
  clearVerifiedCache();
  assert.equal(await verifyPassword('Secret-pw-123', 'not-a-hash'), false);

  const hash = await hashPassword('Right-pw-123');
  assert.equal(await verifyPassword('Wrong-pw-123', hash), false);
  assert.equal(await verifyPassword('Wrong-pw-123', hash), false);
  assert.equal(verifiedCacheSize(), 0, 'failures are not remembered');
  assert.equal(recentlyVerified(hash, 'Wrong-pw-123'), false);
  assert.equal(await verifyPassword('Right-pw-123', hash), true);
  assert.equal(recentlyVerified(hash, 'Right-pw-123'), true, 'a success is remembered');
  assert.equal(await verifyPassword('Wrong-pw-123', hash), false, 'a wrong password never hits');

  process.env.POSTROOM_AUTH_CACHE_TTL = '0';
  clearVerifiedCache();
  assert.equal(await verifyPassword('Right-pw-123', hash), true);
  assert.equal(verifiedCacheSize(), 0, 'off: nothing remembered');
});
