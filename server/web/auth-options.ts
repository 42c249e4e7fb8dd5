// next-auth configuration for the console and the webmail: a credentials sign-in checked by the
// shared auth core (protocol "web": failures count by the canonical account and the client
// address towards the same throttle as IMAP/POP3/SMTP),
// a JWT session cookie (HttpOnly, SameSite=Lax, Secure over https) that expires after 8 hours and
// names a server-side session record (server/auth/web-sessions.ts) that every request checks.
import { createHmac } from 'node:crypto';
import type { AuthOptions } from 'next-auth';
import CredentialsModule from 'next-auth/providers/credentials';
import { authenticate, toAuthenticated } from '../auth/login';
import { serverSecret } from '../auth/tokens';
import { openWebSession, revokeWebSession } from '../auth/web-sessions';
import { db } from '../core/db';
import { logger } from '../core/logger';
import { clientIpFrom } from './client-ip';
import { completeSecondStep, secondStepDue } from './two-factor-sign-in';

// Next's bundler gives the CommonJS module's default export; plain Node (the tests) the module object.
const CredentialsProvider =
  (CredentialsModule as unknown as { default?: typeof CredentialsModule }).default ?? CredentialsModule;

export const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

/** Secure cookies whenever the console is served over https (NEXTAUTH_URL) or told so. */
export function secureCookies(): boolean {
  if (process.env.POSTROOM_SECURE_COOKIES === '1') return true;
  if (process.env.POSTROOM_SECURE_COOKIES === '0') return false;
  return (process.env.NEXTAUTH_URL ?? '').startsWith('https://');
}

let cachedSecret: Promise<string> | undefined;
/** NEXTAUTH_SECRET, or one derived from the server secret shared by every process. */
export function sessionSecret(): Promise<string> {
  cachedSecret ??= (async () =>
    process.env.NEXTAUTH_SECRET ||
    createHmac('sha256', await serverSecret())
      .update('postroom-web-session')
      .digest('hex'))();
  return cachedSecret;
}

// next-auth v4 builds its redirects (sign-out, errors, callback URLs) on NEXTAUTH_URL and, without
// it, on http://localhost:3000: a console reached at any other address sent people to a dead page.
// With AUTH_TRUST_HOST it takes the request's own X-Forwarded-Host and X-Forwarded-Proto instead,
// which server/web/forwarded-headers.ts has made trustworthy (set by Next itself from the Host
// header and the socket unless POSTROOM_TRUSTED_PROXIES says a proxy in front may set them).
// NEXTAUTH_URL, when set, stays the one public address.
if (!process.env.NEXTAUTH_URL) process.env.AUTH_TRUST_HOST = 'true';

type HeaderBag = Record<string, string | string[] | undefined> | Headers | undefined;

function headerValue(headers: HeaderBag, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The password step: the user id to sign in, null for wrong credentials, or an Error to show. */
async function checkPassword(username: string, password: string, clientIp?: string): Promise<number | null> {
  if (!username || !password) return null;
  const result = await authenticate({ username, password, protocol: 'web', clientIp });
  if (!result.ok) {
    // next-auth passes this text to the sign-in page as ?error=...
    if (result.reason === 'throttled')
      throw new Error(
        `Too many failed sign-ins. Try again in ${Math.ceil((result.retryAfterSeconds ?? 60) / 60)} minute(s).`,
      );
    if (result.reason === 'disabled') throw new Error('This mailbox is disabled.');
    return null;
  }
  const due = await secondStepDue(result.user.id);
  if (due) throw new Error(due);
  return result.user.id;
}

export async function authOptions(): Promise<AuthOptions> {
  return {
    secret: await sessionSecret(),
    useSecureCookies: secureCookies(),
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS, updateAge: 15 * 60 },
    jwt: { maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: '/signin', error: '/signin' },
    providers: [
      CredentialsProvider({
        name: 'Mailbox',
        credentials: {
          username: { label: 'Address', type: 'email' },
          password: { label: 'Password', type: 'password' },
          // The second step (two-factor-sign-in.ts): the pending token and a code or passkey answer.
          pending: { type: 'hidden' },
          code: { type: 'text' },
          passkey: { type: 'hidden' },
        },
        async authorize(credentials, request) {
          const header = (name: string) => headerValue(request?.headers as HeaderBag, name);
          const clientIp = clientIpFrom(header);
          const signedIn = credentials?.pending
            ? await completeSecondStep({
                pending: String(credentials.pending),
                code: credentials.code ? String(credentials.code) : undefined,
                passkey: credentials.passkey ? String(credentials.passkey) : undefined,
                clientIp,
                header,
              })
            : await checkPassword(
                String(credentials?.username ?? ''),
                String(credentials?.password ?? ''),
                clientIp,
              );
          if (signedIn === null) return null;
          const row = await db().user.findUniqueOrThrow({ where: { id: signedIn } });
          const user = toAuthenticated(row);
          const sid = await openWebSession({ userId: user.id, userAgent: header('user-agent'), clientIp });
          return {
            id: String(user.id),
            email: user.address,
            name: user.displayName || user.address,
            pwc: row.passwordChangedAt.getTime(),
            sid,
          };
        },
      }),
    ],
    callbacks: {
      async jwt({ token, user }) {
        if (user) {
          token.uid = Number(user.id);
          token.pwc = (user as { pwc?: number }).pwc;
          token.sid = (user as { sid?: string }).sid;
        }
        return token;
      },
      async session({ session, token }) {
        return { ...session, uid: token.uid, pwc: token.pwc, sid: token.sid } as typeof session;
      },
    },
    events: {
      // Signing out ends the session on the server too: a copy of the cookie is worth nothing.
      async signOut({ token }) {
        if (typeof token?.sid === 'string' && typeof token.uid === 'number')
          await revokeWebSession(token.sid, token.uid).catch((error: Error) =>
            logger.warn('web session not revoked at sign-out', { error: error.message }),
          );
      },
    },
  };
}
