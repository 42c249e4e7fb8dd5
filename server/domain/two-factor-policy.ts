// A super admin may require two-factor sign-in for a domain: its mailboxes are then asked to enrol
// an authenticator app at their next sign-in (server/web/two-factor-sign-in.ts), and cannot turn
// two-factor off.
import { db } from '../core/db';
import { audit, SYSTEM_ACTOR, type Actor } from './audit';
import { FieldError } from './errors';
import { normalizeDomain } from './names';
import { requireSuper } from './rights';

export async function setDomainRequiresTwoFactor(
  name: string,
  required: boolean,
  actor: Actor = SYSTEM_ACTOR,
): Promise<void> {
  requireSuper(actor);
  const domain = normalizeDomain(name);
  await db().$transaction(async (tx) => {
    const before = await tx.domain.findUnique({ where: { domain } });
    if (!before) throw new FieldError('domain', `${domain} does not exist`);
    const after = await tx.domain.update({ where: { domain }, data: { requireTwoFactor: required } });
    await audit(
      tx,
      actor,
      required ? 'domain.require-2fa' : 'domain.allow-no-2fa',
      'domain',
      domain,
      { requireTwoFactor: before.requireTwoFactor },
      { requireTwoFactor: after.requireTwoFactor },
    );
  });
}
