// Passkeys (WebAuthn) as a second factor. The relying party is the console's own host name and
// origin, taken from the request (server/web/request-origin.ts). The challenge handed out is kept
// on the user row and spent by the verification that follows, so a response is accepted once.
import type {
  AuthenticationResponseJSON,
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { db } from '../../core/db';
import { FieldError } from '../../domain/errors';

export interface RelyingParty {
  /** The host name, without port. */
  rpId: string;
  /** scheme://host[:port] as the browser sees it. */
  origin: string;
}

const CHALLENGE_TTL_MS = 5 * 60_000;

// Loaded when a passkey is used, not with this module: @simplewebauthn/server brings
// @peculiar/x509 2.x, whose global registrations break the 1.x that selfsigned uses to make the
// server's certificate when both are loaded in one process (the mail worker, the tests).
const webauthn = () => import('@simplewebauthn/server');

export interface PasskeyView {
  id: number;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

function transportsOf(stored: string): AuthenticatorTransport[] {
  return stored ? (stored.split(',') as AuthenticatorTransport[]) : [];
}

async function keepChallenge(userId: number, challenge: string): Promise<void> {
  await db().user.update({
    where: { id: userId },
    data: { webauthnChallenge: `${Date.now() + CHALLENGE_TTL_MS}:${challenge}` },
  });
}

/** The outstanding challenge, taken away so it cannot be answered twice; null when none or stale. */
async function takeChallenge(userId: number): Promise<string | null> {
  const user = await db().user.findUniqueOrThrow({
    where: { id: userId },
    select: { webauthnChallenge: true },
  });
  if (!user.webauthnChallenge) return null;
  const taken = await db().user.updateMany({
    where: { id: userId, webauthnChallenge: user.webauthnChallenge },
    data: { webauthnChallenge: null },
  });
  const [expires, challenge] = user.webauthnChallenge.split(':');
  if (taken.count === 0 || !challenge || Number(expires) < Date.now()) return null;
  return challenge;
}

export async function listPasskeys(userId: number): Promise<PasskeyView[]> {
  return db().passkey.findMany({
    where: { userId },
    orderBy: { createdAt: 'asc' },
    select: { id: true, name: true, createdAt: true, lastUsedAt: true },
  });
}

export async function passkeyRegistrationOptions(
  userId: number,
  rp: RelyingParty,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const user = await db().user.findUniqueOrThrow({ where: { id: userId }, include: { passkeys: true } });
  const options = await (await webauthn()).generateRegistrationOptions({
    rpName: 'Postroom',
    rpID: rp.rpId,
    userName: `${user.local}@${user.domain}`,
    userDisplayName: user.displayName,
    userID: new TextEncoder().encode(`postroom-user-${user.id}`),
    attestationType: 'none',
    excludeCredentials: user.passkeys.map((key) => ({
      id: key.credentialId,
      transports: transportsOf(key.transports),
    })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
  });
  await keepChallenge(userId, options.challenge);
  return options;
}

export async function registerPasskey(
  userId: number,
  name: string,
  response: RegistrationResponseJSON,
  rp: RelyingParty,
): Promise<PasskeyView> {
  const label = name.trim() || 'Passkey';
  if (label.length > 64) throw new FieldError('name', 'must be at most 64 characters');
  const expectedChallenge = await takeChallenge(userId);
  if (!expectedChallenge) throw new FieldError('passkey', 'the request expired; try again');
  const verification = await (await webauthn())
    .verifyRegistrationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpId,
      requireUserVerification: false,
    })
    .catch(() => null);
  if (!verification?.verified) throw new FieldError('passkey', 'the authenticator’s answer was not accepted');
  const { credential } = verification.registrationInfo;
  return db().passkey.create({
    data: {
      userId,
      name: label,
      credentialId: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: BigInt(credential.counter),
      transports: (credential.transports ?? []).join(',').slice(0, 128),
    },
    select: { id: true, name: true, createdAt: true, lastUsedAt: true },
  });
}

export async function removePasskey(userId: number, id: number): Promise<boolean> {
  return (await db().passkey.deleteMany({ where: { id, userId } })).count > 0;
}

/** Options for signing in with one of the user's passkeys, or null when there is none. */
export async function passkeyAuthenticationOptions(
  userId: number,
  rp: RelyingParty,
): Promise<PublicKeyCredentialRequestOptionsJSON | null> {
  const keys = await db().passkey.findMany({ where: { userId } });
  if (keys.length === 0) return null;
  const options = await (await webauthn()).generateAuthenticationOptions({
    rpID: rp.rpId,
    allowCredentials: keys.map((key) => ({ id: key.credentialId, transports: transportsOf(key.transports) })),
    userVerification: 'preferred',
  });
  await keepChallenge(userId, options.challenge);
  return options;
}

/** Verifies a sign-in answer from one of the user's passkeys (spending the challenge). */
export async function verifyPasskey(
  userId: number,
  response: AuthenticationResponseJSON,
  rp: RelyingParty,
): Promise<boolean> {
  const expectedChallenge = await takeChallenge(userId);
  if (!expectedChallenge || typeof response?.id !== 'string') return false;
  const key = await db().passkey.findUnique({ where: { credentialId: response.id } });
  if (!key || key.userId !== userId) return false;
  const verification = await (await webauthn())
    .verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpId,
      credential: {
        id: key.credentialId,
        publicKey: new Uint8Array(Buffer.from(key.publicKey, 'base64url')),
        counter: Number(key.counter),
        transports: transportsOf(key.transports),
      },
      requireUserVerification: false,
    })
    .catch(() => null);
  if (!verification?.verified) return false;
  await db().passkey.update({
    where: { id: key.id },
    data: { counter: BigInt(verification.authenticationInfo.newCounter), lastUsedAt: new Date() },
  });
  return true;
}
