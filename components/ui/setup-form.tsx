'use client';
import { useActionState, useState } from 'react';
import { setupAction } from '@/app/setup/actions';
import { Field, FormMessage, SubmitButton } from './form';
import { PasswordStrength } from './password-strength';

export function SetupForm() {
  const [state, action] = useActionState(setupAction, {});
  const [password, setPassword] = useState('');
  if (state.ok) {
    return (
      <div className="space-y-4">
        <FormMessage state={state} />
        <a href="/signin" className="btn btn-primary">
          Go to sign in
        </a>
      </div>
    );
  }
  return (
    <form action={action} className="space-y-4">
      <Field
        name="address"
        label="Admin address"
        type="email"
        state={state}
        required
        autoComplete="username"
        placeholder="postmaster@example.org"
        hint="Its domain is added as the first mail domain."
      />
      <Field name="displayName" label="Display name" state={state} autoComplete="name" />
      <Field
        name="password"
        label="Password"
        type="password"
        state={state}
        required
        autoComplete="new-password"
        onChange={setPassword}
        hint={<PasswordStrength password={password} />}
      />
      <Field
        name="confirm"
        label="Repeat password"
        type="password"
        state={state}
        required
        autoComplete="new-password"
      />
      <FormMessage state={state} />
      <SubmitButton pendingText="Creating…">Create super admin</SubmitButton>
    </form>
  );
}
