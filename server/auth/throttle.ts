// Brute-force throttling shared by every protocol and every process: failures are rows in the
// database (auth_failures), keyed by the canonical account (login-name.ts) and the client address
// (client-address.ts). It keeps guessing slow without letting anyone lock the owner out:
// - a client address that has been failing waits before every answer (Dovecot's auth penalty);
// - one address gets a few failures per account and some more over all accounts, then is refused;
// - all addresses together get a limited number of failures per account per minute; while an
//   account is over that rate, only addresses it logged in from before may still try, so rotating
//   addresses buys no extra guesses while the owner's usual client keeps working.
// Only failed verifications count: refused attempts change nothing, so a flood from one address
// cannot push an account over its rate. Each admitted attempt reserves its failure rows before the
// password is checked (removed again when it succeeds), so parallel attempts cannot overshoot.
import { setTimeout as sleep } from 'node:timers/promises';
import { db } from '../core/db';
import { parseStoredDate, rawDb } from '../store/raw';
import { clientAddressGroup } from './client-address';
import { resolveLoginName } from './login-name';
import {
  ACCOUNT_RATE_WINDOW_MS,
  penaltyDelayMs,
  throttleSettings,
  type ThrottleSettings,
} from './throttle-settings';

// Rows keyed `good:` mark an address an account logged in from; they live longer than failures.
const KNOWN_PREFIX = 'good:';
const KNOWN_REFRESH_MS = 24 * 60 * 60_000;

interface ThrottleKeys {
  pair: string;
  address: string;
  account: string;
  known: string;
}

function throttleKeys(account: string, clientIp: string | undefined): ThrottleKeys {
  const group = clientAddressGroup(clientIp);
  const name = account.slice(0, 270); // the key column holds 330 characters
  return {
    pair: `pair:${group} ${name}`,
    address: `addr:${group}`,
    account: `acct:${name}`,
    known: `${KNOWN_PREFIX}${group} ${name}`,
  };
}

interface Counters {
  /** Failure times, oldest first, within the window that applies to each. */
  pair: number[];
  address: number[];
  accountLastMinute: number[];
  lastKnownLogin: number | null;
}

/** Reserved row ids, one per counter key, in the order pair, address, account. */
type Reservation = [number, number, number];

/**
 * The four counters in one query (a login reads them twice). With a reservation, the failure
 * counters take only rows inserted before (and including) this attempt's own. Each failure key
 * keeps its 1,000 oldest rows in the window at most, the known-address key its newest.
 */
async function readCounters(
  keys: ThrottleKeys,
  settings: ThrottleSettings,
  now: number,
  reservation?: Reservation,
): Promise<Counters> {
  const raw = rawDb();
  // The reservation's ids are parameters, not SQL text: one statement shape for every login, which
  // the prepared-statement cache (store/raw.ts) keeps, instead of a new statement per login.
  const upTo = reservation === undefined ? '' : ' AND id <= ?';
  const bound = (at: 0 | 1 | 2) => (reservation === undefined ? [] : [Number(reservation[at])]);
  const windowStart = raw.date(new Date(now - settings.windowMs));
  // Plain SQL (store/raw.ts): the ORM's per-query cost was most of a login's CPU.
  const found = await raw.read<{ key: string; time: unknown }>(
    `SELECT \`key\`, time FROM auth_failures WHERE (\`key\` = ? AND time > ?${upTo}) OR (\`key\` = ? AND time > ?${upTo}) OR (\`key\` = ? AND time > ?${upTo}) OR (\`key\` = ? AND time > ?) ORDER BY time`,
    [
      keys.pair,
      windowStart,
      ...bound(0),
      keys.address,
      windowStart,
      ...bound(1),
      keys.account,
      raw.date(new Date(now - ACCOUNT_RATE_WINDOW_MS)),
      ...bound(2),
      keys.known,
      raw.date(new Date(now - settings.knownAddressMs)),
    ],
  );
  const rows = found.map((row) => ({ key: String(row.key), time: parseStoredDate(row.time) }));
  const times = (key: string) => {
    const out: number[] = [];
    for (const row of rows) if (row.key === key && out.length < 1000) out.push(row.time.getTime());
    return out;
  };
  const known = times(keys.known);
  return {
    pair: times(keys.pair),
    address: times(keys.address),
    accountLastMinute: times(keys.account),
    lastKnownLogin: known.length ? known[known.length - 1]! : null,
  };
}

/**
 * Milliseconds until the attempt would be allowed, or null when it is allowed now. `own` is the
 * number of the counted rows that are this attempt's own reservation.
 */
function refusal(counters: Counters, settings: ThrottleSettings, now: number, own: number): number | null {
  const waits: number[] = [];
  const over = (times: number[], limit: number, windowMs: number) => {
    // Allowed again once enough of the oldest failures have left the window.
    if (times.length - own >= limit) waits.push(times[times.length - own - limit]! + windowMs - now);
  };
  over(counters.pair, settings.maxFailuresPerAccountAndAddress, settings.windowMs);
  over(counters.address, settings.maxFailuresPerAddress, settings.windowMs);
  if (counters.lastKnownLogin === null)
    over(counters.accountLastMinute, settings.maxAccountFailuresPerMinute, ACCOUNT_RATE_WINDOW_MS);
  return waits.length ? Math.max(1000, ...waits) : null;
}

export type ThrottleGate =
  | { admitted: false; retryAfterSeconds: number }
  | {
      admitted: true;
      /** The credentials were right: the reserved failure is taken back, the address remembered. */
      succeeded(): Promise<void>;
      /** The login failed after all: counted (a reserving gate has counted it already). */
      failed(): Promise<void>;
    };

/**
 * Lets a login attempt for `account` (its canonical name) from `clientIp` through, after the
 * address's penalty delay, or refuses it. An admitted attempt counts as a failure unless
 * `succeeded()` is called.
 */
export async function passThrottle(
  account: string,
  clientIp: string | undefined,
  options: { rightPassword?: boolean } = {},
): Promise<ThrottleGate> {
  const settings = throttleSettings();
  const keys = throttleKeys(account, clientIp);
  const raw = rawDb();
  const before = await readCounters(keys, settings, Date.now());
  await sleep(penaltyDelayMs(before.address.length, settings));
  const refusedFor = refusal(before, settings, Date.now(), 0);
  if (refusedFor !== null) return { admitted: false, retryAfterSeconds: Math.ceil(refusedFor / 1000) };
  // The three failure rows in one statement, their ids returned (MariaDB 10.5+, SQLite 3.35+).
  const insertFailures = (time = raw.date(new Date())) =>
    raw.write<{ id: number; key: string }>(
      'INSERT INTO auth_failures (`key`, time) VALUES (?, ?), (?, ?), (?, ?) RETURNING id, `key`',
      [keys.pair, time, keys.address, time, keys.account, time],
      'reserve login failure',
    );
  const rememberAddress = () =>
    raw.write('INSERT INTO auth_failures (`key`, time) VALUES (?, ?)', [keys.known, raw.date(new Date())]);
  const addressStale = () =>
    before.lastKnownLogin === null || Date.now() - before.lastKnownLogin > KNOWN_REFRESH_MS;
  // The caller already knows the password is right (the verified-password cache): no reservation.
  // The reservation orders guesses racing for the last allowed failures, and someone who has the
  // password is not guessing; the check above still refuses a throttled address. Three statements
  // fewer per login (a client that logs in for every check of its mail).
  if (options.rightPassword)
    return {
      admitted: true,
      succeeded: async () => void (addressStale() && (await rememberAddress())),
      failed: async () => void (await insertFailures()),
    };

  const inserted = await insertFailures();
  const idOf = (key: string) => Number(inserted.find((row) => String(row.key) === key)!.id);
  const ids: Reservation = [idOf(keys.pair), idOf(keys.address), idOf(keys.account)];
  const release = async (remember: boolean) => {
    const drop = 'DELETE FROM auth_failures WHERE id IN (?, ?, ?)';
    if (!remember) return void (await raw.write(drop, ids, 'release login failure'));
    await raw.transaction(async (tx) => {
      await tx.run(drop, ids);
      await tx.run('INSERT INTO auth_failures (`key`, time) VALUES (?, ?)', [
        keys.known,
        raw.date(new Date()),
      ]);
    }, 'release login failure');
  };
  // Counted again up to this attempt's own rows: of attempts racing for the last allowed
  // failures, the first ones inserted get through and the rest are refused (counting every row
  // would let each racer see all the others, and refuse them all).
  const after = await readCounters(keys, settings, Date.now(), ids);
  const refusedAfter = refusal(after, settings, Date.now(), 1);
  if (refusedAfter !== null) {
    await release(false);
    return { admitted: false, retryAfterSeconds: Math.ceil(refusedAfter / 1000) };
  }
  return {
    admitted: true,
    async succeeded() {
      // The reservation taken back and, at most once a day, the address remembered: one transaction.
      await release(addressStale());
    },
    failed: async () => undefined, // the reservation stays: it is the failure
  };
}

export interface ThrottleState {
  blocked: boolean;
  retryAfterSeconds: number;
}

/** Whether a login as `username` would be refused now; no delay, nothing counted. */
export async function throttleState(clientIp: string | undefined, username: string): Promise<ThrottleState> {
  const settings = throttleSettings();
  const { canonical } = await resolveLoginName(username);
  const now = Date.now();
  const counters = await readCounters(throttleKeys(canonical, clientIp), settings, now);
  const refusedFor = refusal(counters, settings, now, 0);
  return {
    blocked: refusedFor !== null,
    retryAfterSeconds: refusedFor === null ? 0 : Math.ceil(refusedFor / 1000),
  };
}

/** Failures are useless once out of their window, remembered addresses after 30 days. */
export async function pruneFailures(now = new Date()): Promise<void> {
  const settings = throttleSettings();
  await db().authFailure.deleteMany({
    where: {
      OR: [
        {
          time: { lt: new Date(now.getTime() - settings.windowMs) },
          NOT: { key: { startsWith: KNOWN_PREFIX } },
        },
        { time: { lt: new Date(now.getTime() - settings.knownAddressMs) } },
      ],
    },
  });
}
