// The one-time setup page: on a database with no super admin it makes the first one (and its
// domain), then locks itself for good. A settings row taken with a unique insert is the lock, so
// two browsers racing through setup cannot both win.
import { db } from '../core/db';
import { addDomain, addMailbox, FieldError, isUniqueViolation, parseAddress, type Actor } from '../domain';
import { checkPasswordStrength } from '../auth/password';

const LOCK_KEY = 'setup_done';
const SETUP_ACTOR: Actor = { name: 'setup', role: 'system' };

export async function needsSetup(): Promise<boolean> {
  const [lock, supers] = await Promise.all([
    db().setting.findUnique({ where: { key: LOCK_KEY } }),
    db().user.count({ where: { role: 'super' } }),
  ]);
  return !lock && supers === 0;
}

export class SetupLockedError extends Error {
  constructor() {
    super('Setup has already been done. Sign in instead.');
  }
}

export async function runSetup(input: {
  address: string;
  password: string;
  displayName?: string;
}): Promise<string> {
  const { local, domain } = parseAddress(input.address);
  checkPasswordStrength(input.password);
  if (!(await needsSetup())) throw new SetupLockedError();
  try {
    await db().setting.create({ data: { key: LOCK_KEY, value: new Date().toISOString() } });
  } catch (error) {
    if (isUniqueViolation(error)) throw new SetupLockedError();
    throw error;
  }
  try {
    const existing = await db().domain.findUnique({ where: { domain } });
    if (!existing) await addDomain(domain, {}, SETUP_ACTOR);
    await addMailbox(
      {
        address: `${local}@${domain}`,
        password: input.password,
        displayName: input.displayName,
        role: 'super',
      },
      SETUP_ACTOR,
    );
  } catch (error) {
    // Not done after all: open the page again so the admin can correct the form.
    await db()
      .setting.delete({ where: { key: LOCK_KEY } })
      .catch(() => undefined);
    if (error instanceof FieldError) throw error;
    throw error;
  }
  return `${local}@${domain}`;
}
