'use client';
// My account's "Two-factor sign-in" panel: enrol an authenticator app, renew recovery codes, turn
// it off (with the password), and add passkeys (WebAuthn in this browser).
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { startRegistration } from '@simplewebauthn/browser';
import { RecoveryCodes } from '@/components/ui/recovery-codes';
import { TotpEnrolment } from '@/components/ui/totp-enrolment';
import {
  beginTotpAction,
  confirmTotpAction,
  disableTwoFactorAction,
  passkeyOptionsAction,
  registerPasskeyAction,
  renewRecoveryCodesAction,
} from './security-actions';

function Alert({ text }: { text?: string }) {
  return text ? (
    <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
      {text}
    </p>
  ) : null;
}

export function TwoFactorPanel(props: {
  totp: boolean;
  required: boolean;
  recoveryCodesLeft: number;
  enabled: boolean;
}) {
  const router = useRouter();
  const [codes, setCodes] = useState<string[]>();
  const [error, setError] = useState<string>();

  if (!props.totp)
    return (
      <TotpEnrolment
        begin={beginTotpAction}
        confirm={confirmTotpAction}
        finishLabel="Done"
        onFinished={() => router.refresh()}
      />
    );
  return (
    <div className="space-y-3">
      <p className="text-sm">
        An authenticator app is set up. {props.recoveryCodesLeft} unused recovery code(s) left.
      </p>
      {codes && <RecoveryCodes codes={codes} />}
      <Alert text={error} />
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          className="btn btn-small"
          onClick={async () => {
            const answer = await renewRecoveryCodesAction();
            if (answer.ok) setCodes(answer.recoveryCodes);
            else setError(answer.error);
          }}
        >
          New recovery codes
        </button>
      </div>
      {!props.required && (
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={async (event) => {
            event.preventDefault();
            const password = String(new FormData(event.currentTarget).get('password') ?? '');
            const answer = await disableTwoFactorAction(password);
            if (answer.ok) router.refresh();
            else setError(answer.error);
          }}
        >
          <div>
            <label htmlFor="disable-password" className="label">
              Password
            </label>
            <input id="disable-password" name="password" type="password" className="input" required />
          </div>
          <button type="submit" className="btn btn-small btn-danger">
            Turn two-factor off
          </button>
        </form>
      )}
    </div>
  );
}

export function AddPasskey() {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);
  return (
    <form
      className="flex flex-wrap items-end gap-2"
      data-testid="add-passkey"
      onSubmit={async (event) => {
        event.preventDefault();
        const form = event.currentTarget;
        const name = String(new FormData(form).get('name') ?? '');
        setPending(true);
        setError(undefined);
        const options = await passkeyOptionsAction();
        if (!options.ok) {
          setPending(false);
          setError(options.error);
          return;
        }
        try {
          const response = await startRegistration({ optionsJSON: options.options });
          const saved = await registerPasskeyAction(name, response);
          if (saved.ok) {
            form.reset();
            router.refresh();
          } else setError(saved.error);
        } catch {
          setError('No passkey was made (cancelled, or this browser has no authenticator).');
        }
        setPending(false);
      }}
    >
      <div>
        <label htmlFor="passkey-name" className="label">
          Passkey name
        </label>
        <input id="passkey-name" name="name" className="input" placeholder="Laptop" maxLength={64} />
      </div>
      <button type="submit" className="btn btn-small" disabled={pending}>
        Add a passkey
      </button>
      <div className="w-full">
        <Alert text={error} />
      </div>
    </form>
  );
}
