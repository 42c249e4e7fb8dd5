'use client';
// Making an app password: a name, the protocols it may be used for; the password is shown once.
import { useActionState } from 'react';
import { createAppPasswordAction, type AppPasswordState } from './security-actions';

export function AppPasswordForm() {
  const [state, action, pending] = useActionState(createAppPasswordAction, {} as AppPasswordState);
  const fieldErrors = 'fieldErrors' in state ? state.fieldErrors : undefined;
  return (
    <form action={action} className="space-y-3" data-testid="app-password-form">
      <div>
        <label htmlFor="app-password-name" className="label">
          Name
        </label>
        <input
          id="app-password-name"
          name="name"
          className="input"
          placeholder="Thunderbird on my laptop"
          maxLength={64}
          required
          aria-invalid={Boolean(fieldErrors?.name)}
        />
        {fieldErrors?.name && <p className="mt-1 text-xs text-red-700">Name {fieldErrors.name}</p>}
      </div>
      <fieldset>
        <legend className="label">May be used for</legend>
        <div className="flex gap-4 text-sm">
          {[
            ['imap', 'IMAP'],
            ['pop3', 'POP3'],
            ['smtp', 'SMTP (sending)'],
          ].map(([value, label]) => (
            <label key={value} className="flex items-center gap-1">
              <input type="checkbox" name="protocols" value={value} defaultChecked /> {label}
            </label>
          ))}
        </div>
        {fieldErrors?.protocols && <p className="mt-1 text-xs text-red-700">{fieldErrors.protocols}</p>}
      </fieldset>
      {'ok' in state && state.ok && (
        <div className="rounded-md border border-green-300 bg-green-50 p-3 text-sm" role="status">
          <p>
            App password for <strong>{state.name}</strong>, shown only this once (spaces do not matter):
          </p>
          <p className="mt-1 font-mono text-base" data-testid="new-app-password">
            {state.password}
          </p>
        </div>
      )}
      <button type="submit" className="btn btn-small" disabled={pending}>
        Create app password
      </button>
    </form>
  );
}
