// Prints Dovecot passwd-file lines for the reference's users, hashed exactly as Postroom stores
// passwords (argon2id with Postroom's own parameters, from server/auth), so a login costs the same
// on both sides of every side-by-side bench. Dovecot reads these as `{ARGON2ID}` hashes.
import { hashPassword } from '../../server/auth/password';
import { REFERENCE_USERS } from './paths';

const lines = await Promise.all(
  REFERENCE_USERS.map(
    async ({ address, password }) => `${address}:{ARGON2ID}${await hashPassword(password)}::::::`,
  ),
);
process.stdout.write(`${lines.join('\n')}\n`);
