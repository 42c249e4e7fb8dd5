import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, verifyPassword, checkPasswordStrength } from '../../server/auth/password';
import { decodePlain, decodeBearer } from '../../server/auth/sasl';

// The seed's users (001_452580c34e8a922a.txt): bcrypt $2y$ hash of "test1234".
const SEED_HASH = '$2y$10$T03RmF8PZVdEGvqMBA7JDe7kleiWmA8Acpoz7iUm7N44P1yiS5tnG';

test("the seed's $2y$ bcrypt hash verifies as it is", async () => {
  assert.equal(await verifyPassword('test1234', SEED_HASH), true);
  assert.equal(await verifyPassword('test12345', SEED_HASH), false);
});

test('new hashes are argon2id and never contain the password', async () => {
  const hash = await hashPassword('Correct-horse-9');
  assert.match(hash, /^\$argon2id\$/);
  assert.ok(!hash.includes('Correct-horse-9'));
  assert.equal(await verifyPassword('Correct-horse-9', hash), true);
  assert.equal(await verifyPassword('correct-horse-9', hash), false);
  assert.equal(await verifyPassword('x', 'plaintext'), false);
});

test('weak passwords are refused', () => {
  assert.throws(() => checkPasswordStrength(''), /required/);
  assert.throws(() => checkPasswordStrength('short1A'), /10 characters/);
  assert.throws(() => checkPasswordStrength('alllowercaseletters'), /mix/);
  checkPasswordStrength('lowercase-and-dash');
});

test('SASL PLAIN and OAUTHBEARER decoding', () => {
  assert.deepEqual(decodePlain(Buffer.from('\0alice@example.org\0pw').toString('base64')), {
    authzid: '',
    username: 'alice@example.org',
    password: 'pw',
  });
  assert.equal(decodePlain('not base64!'), null);
  assert.equal(decodePlain(Buffer.from('only-one-part').toString('base64')), null);
  const bearer = Buffer.from('n,a=alice@example.org,\x01host=x\x01auth=Bearer abc.def\x01\x01').toString(
    'base64',
  );
  assert.deepEqual(decodeBearer(bearer, 'OAUTHBEARER'), { username: 'alice@example.org', token: 'abc.def' });
  const xoauth = Buffer.from('user=bob@example.org\x01auth=Bearer tok\x01\x01').toString('base64');
  assert.deepEqual(decodeBearer(xoauth, 'XOAUTH2'), { username: 'bob@example.org', token: 'tok' });
});
