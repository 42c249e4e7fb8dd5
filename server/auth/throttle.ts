// Brute-force throttling shared by every protocol and every process: failures are rows in the
// database, counted per client IP and per account over a sliding window.
import { db } from '../core/db';

export const THROTTLE_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_ACCOUNT = 10;
export const MAX_FAILURES_PER_IP = 30;

function keys(clientIp: string | undefined, username: string): { ipKey?: string; userKey: string } {
  return {
    ipKey: clientIp ? `ip:${clientIp}` : undefined,
    userKey: `user:${username.toLowerCase().slice(0, 320)}`,
  };
}

export interface ThrottleState {
  blocked: boolean;
  retryAfterSeconds: number;
}

export async function throttleState(
  clientIp: string | undefined,
  username: string,
  now = new Date(),
): Promise<ThrottleState> {
  const { ipKey, userKey } = keys(clientIp, username);
  const since = new Date(now.getTime() - THROTTLE_WINDOW_MS);
  const [userFailures, ipFailures] = await Promise.all([
    db().authFailure.findMany({
      where: { key: userKey, time: { gt: since } },
      select: { time: true },
      orderBy: { time: 'asc' },
    }),
    ipKey ? db().authFailure.count({ where: { key: ipKey, time: { gt: since } } }) : Promise.resolve(0),
  ]);
  const blocked = userFailures.length >= MAX_FAILURES_PER_ACCOUNT || ipFailures >= MAX_FAILURES_PER_IP;
  const oldest = userFailures[0]?.time.getTime() ?? now.getTime();
  return {
    blocked,
    retryAfterSeconds: blocked
      ? Math.max(1, Math.ceil((oldest + THROTTLE_WINDOW_MS - now.getTime()) / 1000))
      : 0,
  };
}

export async function recordFailure(clientIp: string | undefined, username: string): Promise<void> {
  const { ipKey, userKey } = keys(clientIp, username);
  await db().authFailure.createMany({ data: [{ key: userKey }, ...(ipKey ? [{ key: ipKey }] : [])] });
}

/** Old rows are useless once out of the window; the worker calls this now and then. */
export async function pruneFailures(now = new Date()): Promise<void> {
  await db().authFailure.deleteMany({
    where: { time: { lt: new Date(now.getTime() - THROTTLE_WINDOW_MS) } },
  });
}
