'use client';
// The sign-in's second step (server/web/two-factor-sign-in.ts): a code from the authenticator app
// or a recovery code, or the passkey; or, when the domain requires two-factor and the account has
// none yet, enrolling an authenticator app first.
import { useRef, useState } from 'react';
import { startAuthentication } from '@simplewebauthn/browser';
import { TotpEnrolment, type EnrolmentEnd, type EnrolmentStart } from './totp-enrolment';

export interface SecondStep {
  methods: string[];
  pending: string;
}

/** Reads the error text of a password step that needs a second one (`second-step:<methods>:<token>`). */
export function parseSecondStep(error: string | null | undefined): SecondStep | null {
  const match = /^second-step:([a-z,]*):(.+)$/.exec(error ?? '');
  return match ? { methods: match[1]!.split(',').filter(Boolean), pending: match[2]! } : null;
}

async function callStep<T>(body: Record<string, string>): Promise<T | { ok: false; error: string }> {
  const response = await fetch('/api/two-factor', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json().catch(() => ({ ok: false, error: `Error ${response.status}` }))) as T;
}

export function SecondStepForm(props: {
  step: SecondStep;
  /** Completes the sign-in with the step's credentials; resolves to an error text or nothing. */
  finish(credentials: Record<string, string>): Promise<string | undefined>;
  onRestart(): void;
}) {
  const { step, finish } = props;
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);
  // The verified token the enrolment hands back, for "Continue".
  const enrolled = useRef('');

  async function run(credentials: Record<string, string>) {
    setPending(true);
    setError(undefined);
    const failure = await finish({ pending: step.pending, ...credentials });
    setPending(false);
    if (failure) setError(failure);
  }

  async function signInWithPasskey() {
    setPending(true);
    setError(undefined);
    const answer = await callStep<{
      ok: true;
      options: Parameters<typeof startAuthentication>[0]['optionsJSON'];
    }>({
      action: 'passkey-options',
      pending: step.pending,
    });
    if (!answer.ok) {
      setPending(false);
      setError(answer.error);
      return;
    }
    try {
      const response = await startAuthentication({ optionsJSON: answer.options });
      await run({ passkey: JSON.stringify(response) });
    } catch {
      setPending(false);
      setError('The passkey was not used. Try again, or type a code.');
    }
  }

  if (step.methods.includes('enrol')) {
    return (
      <div className="space-y-3" data-testid="two-factor-enrol">
        <p className="text-sm text-slate-700">
          Your domain requires two-factor sign-in. Set up an authenticator app to go on.
        </p>
        <TotpEnrolment
          autoStart
          finishLabel="Continue"
          begin={() => callStep<EnrolmentStart>({ action: 'enrol-begin', pending: step.pending })}
          confirm={async (code) => {
            const answer = await callStep<EnrolmentEnd & { pending?: string }>({
              action: 'enrol-confirm',
              pending: step.pending,
              code,
            });
            if (answer.ok && 'pending' in answer && answer.pending) enrolled.current = answer.pending;
            return answer;
          }}
          onFinished={() => void finish({ pending: enrolled.current })}
        />
      </div>
    );
  }

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void run({ code: String(new FormData(event.currentTarget).get('code') ?? '') });
      }}
      className="space-y-4"
      data-testid="second-step"
      noValidate
    >
      <p className="text-sm text-slate-700">Password accepted. Confirm it is you with your second factor.</p>
      {step.methods.includes('totp') && (
        <div>
          <label htmlFor="code" className="label">
            Authentication code
          </label>
          <input
            id="code"
            name="code"
            autoComplete="one-time-code"
            required
            className="input"
            autoFocus
            aria-describedby="code-hint"
          />
          <p id="code-hint" className="mt-1 text-xs text-slate-500">
            The 6 digits from your authenticator app, or one of your recovery codes.
          </p>
        </div>
      )}
      {error && (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      )}
      {step.methods.includes('totp') && (
        <button type="submit" className="btn btn-primary w-full justify-center" disabled={pending}>
          Verify
        </button>
      )}
      {step.methods.includes('passkey') && (
        <button
          type="button"
          className="btn w-full justify-center"
          onClick={signInWithPasskey}
          disabled={pending}
        >
          Use a passkey
        </button>
      )}
      <button type="button" className="text-sm text-slate-600 underline" onClick={props.onRestart}>
        Start again
      </button>
    </form>
  );
}
