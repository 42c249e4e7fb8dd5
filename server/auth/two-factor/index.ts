// Two-factor sign-in: TOTP with recovery codes, and passkeys (WebAuthn).
export { beginTotpEnrolment, confirmTotpEnrolment, verifyTotp, type TotpEnrolment } from './totp';
export { makeRecoveryCodes, spendRecoveryCode, unusedRecoveryCodes } from './recovery-codes';
export {
  listPasskeys,
  passkeyRegistrationOptions,
  registerPasskey,
  removePasskey,
  passkeyAuthenticationOptions,
  verifyPasskey,
  type PasskeyView,
  type RelyingParty,
} from './passkeys';
export { twoFactorStatus, hasSecondFactor, disableTwoFactor, type TwoFactorStatus } from './status';
export { mintPendingSignIn, readPendingSignIn, type PendingStage } from './pending';
export { checkSecondFactor, type SecondFactorResult } from './sign-in';
