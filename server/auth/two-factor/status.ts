// Which second factors an account has, and whether its domain asks for one.
import { db } from '../../core/db';
import { unusedRecoveryCodes } from './recovery-codes';

export interface TwoFactorStatus {
  totp: boolean;
  passkeys: number;
  recoveryCodesLeft: number;
  /** Its domain requires a second factor (set by a super admin). */
  required: boolean;
  /** TOTP or at least one passkey: sign-in asks for it, mail protocols take app passwords only. */
  enabled: boolean;
}

export async function twoFactorStatus(userId: number): Promise<TwoFactorStatus> {
  const user = await db().user.findUniqueOrThrow({
    where: { id: userId },
    select: {
      totpEnabledAt: true,
      domainRef: { select: { requireTwoFactor: true } },
      _count: { select: { passkeys: true } },
    },
  });
  const totp = user.totpEnabledAt !== null;
  const passkeys = user._count.passkeys;
  return {
    totp,
    passkeys,
    recoveryCodesLeft: await unusedRecoveryCodes(userId),
    required: user.domainRef.requireTwoFactor,
    enabled: totp || passkeys > 0,
  };
}

/** Cheap check for the mail protocols' login path. */
export async function hasSecondFactor(user: { id: number; totpEnabledAt: Date | null }): Promise<boolean> {
  if (user.totpEnabledAt) return true;
  return (await db().passkey.count({ where: { userId: user.id } })) > 0;
}

/**
 * Turns two-factor sign-in off: the TOTP secret, recovery codes and passkeys go. Refused while
 * the domain requires it.
 */
export async function disableTwoFactor(userId: number): Promise<void> {
  await db().$transaction(async (tx) => {
    await tx.user.update({
      where: { id: userId },
      data: { totpSecret: null, totpEnabledAt: null, totpLastStep: null, webauthnChallenge: null },
    });
    await tx.recoveryCode.deleteMany({ where: { userId } });
    await tx.passkey.deleteMany({ where: { userId } });
  });
}
