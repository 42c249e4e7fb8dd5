// The token that carries a sign-in from its password step to its second step. Signed with a key of
// its own (never valid as a webmail access token), bound to the password's change time, and short.
import { derivedKey } from '../keyed-hash';
import { mintUserToken, readUserToken } from '../user-token';

/** second-factor: a code or passkey is due; enrol: the domain requires enrolling first; done: verified. */
export type PendingStage = 'second-factor' | 'enrol' | 'done';

const TTL_SECONDS = 10 * 60;

export async function mintPendingSignIn(userId: number, stage: PendingStage): Promise<string> {
  return mintUserToken(await derivedKey('pending-sign-in'), userId, TTL_SECONDS, { stage });
}

export async function readPendingSignIn(
  token: string,
): Promise<{ userId: number; stage: PendingStage } | null> {
  const read = await readUserToken<{ stage: PendingStage }>(await derivedKey('pending-sign-in'), token);
  return read ? { userId: read.user.id, stage: read.payload.stage } : null;
}
