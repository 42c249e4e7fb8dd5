// TOTP (RFC 6238, 30-second steps, 6 digits, SHA-1: what every authenticator app speaks).
// The secret is sealed with a key derived from the server secret; an enrolment stores it unenabled
// until the first code proves the app has it. A code is accepted once: the step it matched is
// remembered, and that step and older ones are refused afterwards.
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import { db } from '../../core/db';
import { seal, unseal } from '../keyed-hash';
import { makeRecoveryCodes } from './recovery-codes';

const SEAL_PURPOSE = 'totp-secret';
const PERIOD_SECONDS = 30;
/** One step either side, for clocks a little off. */
const TOLERANCE_SECONDS = 30;
const ISSUER = 'Postroom';

export interface TotpEnrolment {
  secret: string;
  uri: string;
  /** The otpauth URI as an SVG image (data URL) for the page's <img>. */
  qrDataUrl: string;
}

/** Starts (or restarts) an enrolment: a fresh secret, not yet in force. */
export async function beginTotpEnrolment(userId: number): Promise<TotpEnrolment> {
  const user = await db().user.findUniqueOrThrow({ where: { id: userId } });
  if (user.totpEnabledAt) throw new Error('two-factor sign-in is already on');
  const secret = generateSecret();
  await db().user.update({ where: { id: userId }, data: { totpSecret: await seal(SEAL_PURPOSE, secret) } });
  return enrolmentView(`${user.local}@${user.domain}`, secret);
}

async function enrolmentView(address: string, secret: string): Promise<TotpEnrolment> {
  const uri = generateURI({ issuer: ISSUER, label: address, secret });
  const svg = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  return { secret, uri, qrDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
}

/** The step a code matched, or null. */
async function matchStep(secret: string, code: string): Promise<number | null> {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const result = await verify({ secret, token, period: PERIOD_SECONDS, epochTolerance: TOLERANCE_SECONDS });
  // The TOTP result names its time step (the HOTP one, never returned here, a counter delta).
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}

/**
 * Ends an enrolment with the first code from the app: two-factor is on, and the recovery codes
 * (returned this once) replace any earlier ones. False when the code is wrong.
 */
export async function confirmTotpEnrolment(userId: number, code: string): Promise<string[] | null> {
  const user = await db().user.findUniqueOrThrow({ where: { id: userId } });
  if (user.totpEnabledAt || !user.totpSecret) return null;
  const secret = await unseal(SEAL_PURPOSE, user.totpSecret);
  const step = secret ? await matchStep(secret, code) : null;
  if (step === null) return null;
  return db().$transaction(async (tx) => {
    const updated = await tx.user.updateMany({
      where: { id: userId, totpEnabledAt: null, totpSecret: user.totpSecret },
      data: { totpEnabledAt: new Date(), totpLastStep: step },
    });
    if (updated.count === 0) return null;
    return makeRecoveryCodes(userId, tx);
  });
}

/** Checks a sign-in code against the enabled secret; each step is accepted once. */
export async function verifyTotp(userId: number, code: string): Promise<boolean> {
  const user = await db().user.findUniqueOrThrow({ where: { id: userId } });
  if (!user.totpEnabledAt || !user.totpSecret) return false;
  const secret = await unseal(SEAL_PURPOSE, user.totpSecret);
  const step = secret ? await matchStep(secret, code) : null;
  if (step === null) return false;
  // The conditional update makes two racing uses of one code accept only one.
  const updated = await db().user.updateMany({
    where: { id: userId, OR: [{ totpLastStep: null }, { totpLastStep: { lt: step } }] },
    data: { totpLastStep: step },
  });
  return updated.count > 0;
}
