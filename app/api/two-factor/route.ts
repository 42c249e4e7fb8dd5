// The sign-in page's second step before anyone is signed in, authorised by the pending token the
// password step gave (server/web/two-factor-sign-in.ts): passkey options, and the enrolment the
// domain requires (QR code, then the first code, which turns two-factor on and hands back the
// recovery codes and a token that completes the sign-in).
import { NextResponse } from 'next/server';
import { passkeyAuthenticationOptions } from '@/server/auth/two-factor/passkeys';
import { mintPendingSignIn, readPendingSignIn } from '@/server/auth/two-factor/pending';
import { beginTotpEnrolment, confirmTotpEnrolment } from '@/server/auth/two-factor/totp';
import { passThrottle } from '@/server/auth/throttle';
import { db } from '@/server/core/db';
import { recordEvent } from '@/server/core/events';
import { clientIpFrom } from '@/server/web/client-ip';
import { rejectCrossSite } from '@/server/web/origin';
import { relyingPartyFrom } from '@/server/web/relying-party';

export const dynamic = 'force-dynamic';

interface Body {
  action?: string;
  pending?: string;
  code?: string;
}

function refuse(error: string, status = 400) {
  return NextResponse.json({ ok: false, error }, { status });
}

export async function POST(request: Request) {
  const crossSite = rejectCrossSite(request);
  if (crossSite) return crossSite;
  const body = (await request.json().catch(() => ({}))) as Body;
  const pending = await readPendingSignIn(String(body.pending ?? ''));
  if (!pending) return refuse('The sign-in took too long. Start again.', 401);
  const header = (name: string) => request.headers.get(name);

  if (body.action === 'passkey-options' && pending.stage === 'second-factor') {
    const rp = relyingPartyFrom(header);
    const options = rp ? await passkeyAuthenticationOptions(pending.userId, rp) : null;
    return options ? NextResponse.json({ ok: true, options }) : refuse('No passkey is registered.');
  }
  if (body.action === 'enrol-begin' && pending.stage === 'enrol') {
    const enrolment = await beginTotpEnrolment(pending.userId);
    return NextResponse.json({ ok: true, secret: enrolment.secret, qrDataUrl: enrolment.qrDataUrl });
  }
  if (body.action === 'enrol-confirm' && pending.stage === 'enrol') {
    // Codes typed here are guessed like any other: the same throttle as the sign-in's second step.
    const user = await db().user.findUniqueOrThrow({ where: { id: pending.userId } });
    const gate = await passThrottle(`2fa:${user.local}@${user.domain}`, clientIpFrom(header));
    if (!gate.admitted)
      return refuse(
        `Too many wrong codes. Try again in ${Math.ceil(gate.retryAfterSeconds / 60)} minute(s).`,
        429,
      );
    const recoveryCodes = await confirmTotpEnrolment(pending.userId, String(body.code ?? ''));
    if (!recoveryCodes) return refuse('Wrong code. Check the time on your phone and try again.');
    await gate.succeeded();
    await recordEvent({
      protocol: 'web',
      action: 'two-factor.enable',
      result: 'ok',
      user: `${user.local}@${user.domain}`,
      clientIp: clientIpFrom(header),
      detail: { method: 'totp', requiredByDomain: true },
    });
    return NextResponse.json({
      ok: true,
      recoveryCodes,
      pending: await mintPendingSignIn(pending.userId, 'done'),
    });
  }
  return refuse('Not possible at this step.');
}
