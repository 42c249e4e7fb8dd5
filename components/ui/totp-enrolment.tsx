'use client';
// Enrolling an authenticator app: a QR code (and the secret as text, for typing in), then the
// first code from the app turns two-factor on and the recovery codes are shown once. Used by My
// account (server actions) and by the sign-in page when the domain requires a second factor.
import { useEffect, useState } from 'react';
import { RecoveryCodes } from './recovery-codes';

export type EnrolmentStart = { ok: true; secret: string; qrDataUrl: string } | { ok: false; error: string };
export type EnrolmentEnd = { ok: true; recoveryCodes: string[] } | { ok: false; error: string };

export function TotpEnrolment(props: {
  begin(): Promise<EnrolmentStart>;
  confirm(code: string): Promise<EnrolmentEnd>;
  onFinished(): void;
  finishLabel: string;
  /** Start at once (sign-in) instead of behind a button (My account). */
  autoStart?: boolean;
}) {
  const { begin, autoStart } = props;
  const [enrolment, setEnrolment] = useState<{ secret: string; qrDataUrl: string }>();
  const [codes, setCodes] = useState<string[]>();
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);

  async function start() {
    setPending(true);
    setError(undefined);
    const result = await begin();
    setPending(false);
    if (result.ok) setEnrolment(result);
    else setError(result.error);
  }
  // biome-ignore lint/correctness/useExhaustiveDependencies: starts once, on mount
  useEffect(() => {
    if (autoStart) void start();
  }, []);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const code = String(new FormData(event.currentTarget).get('code') ?? '');
    setPending(true);
    setError(undefined);
    const result = await props.confirm(code);
    setPending(false);
    if (result.ok) setCodes(result.recoveryCodes);
    else setError(result.error);
  }

  const alert = error && (
    <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
      {error}
    </p>
  );
  if (codes)
    return (
      <div className="space-y-3" data-testid="totp-enrolled">
        <p className="text-sm font-medium text-green-800">Two-factor sign-in is on.</p>
        <RecoveryCodes codes={codes} />
        <button type="button" className="btn btn-primary" onClick={props.onFinished}>
          {props.finishLabel}
        </button>
      </div>
    );
  if (!enrolment)
    return (
      <div className="space-y-3">
        {alert}
        {!autoStart && (
          <button type="button" className="btn" onClick={start} disabled={pending}>
            Set up an authenticator app
          </button>
        )}
      </div>
    );
  return (
    <form onSubmit={submit} className="space-y-3" data-testid="totp-enrolment" noValidate>
      <p className="text-sm text-slate-600">
        Scan this with an authenticator app (Aegis, Google Authenticator, 1Password…), or type the key in.
      </p>
      {/* biome-ignore lint/performance/noImgElement: a data URL, nothing for next/image to optimise */}
      <img src={enrolment.qrDataUrl} alt="QR code for your authenticator app" width={180} height={180} />
      <p className="text-sm">
        Key:{' '}
        <code data-testid="totp-secret" className="break-all font-mono">
          {enrolment.secret}
        </code>
      </p>
      <div>
        <label htmlFor="enrol-code" className="label">
          Code from the app
        </label>
        <input
          id="enrol-code"
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]{6}"
          required
          className="input"
        />
      </div>
      {alert}
      <button type="submit" className="btn btn-primary" disabled={pending} aria-busy={pending}>
        Turn on two-factor sign-in
      </button>
    </form>
  );
}
