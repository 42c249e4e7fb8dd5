'use client';
// Sign-in through next-auth's credentials endpoint (it brings its own CSRF token).
import { useEffect, useState } from 'react';
import { signIn } from 'next-auth/react';
import { parseSecondStep, SecondStepForm, type SecondStep } from './second-step';

export function SignInForm({ callbackUrl, initialError }: { callbackUrl: string; initialError?: string }) {
  const [error, setError] = useState(initialError);
  const [pending, setPending] = useState(false);
  // Until React has attached onSubmit, Enter would make the browser submit the form itself (the
  // password in a GET query). The button stays disabled until then, which blocks that submission.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const [secondStep, setSecondStep] = useState<SecondStep | null>(null);

  /** Signs in with `credentials`; goes on to the destination, or gives back the error to show. */
  async function complete(credentials: Record<string, string>): Promise<string | undefined> {
    const result = await signIn('credentials', { ...credentials, redirect: false, callbackUrl });
    const next = parseSecondStep(result?.error);
    if (next) {
      setSecondStep(next);
      return undefined;
    }
    if (!result || result.error)
      return !result || result.error === 'CredentialsSignin'
        ? 'Wrong address or password.'
        : (result.error ?? undefined);
    window.location.assign(
      result.url && new URL(result.url, window.location.href).origin === window.location.origin
        ? result.url
        : callbackUrl,
    );
    return undefined;
  }

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(undefined);
    const failure = await complete({
      username: String(form.get('username') ?? ''),
      password: String(form.get('password') ?? ''),
    });
    setPending(false);
    setError(failure);
  }

  if (secondStep)
    return <SecondStepForm step={secondStep} finish={complete} onRestart={() => setSecondStep(null)} />;

  return (
    <form onSubmit={submit} method="post" className="space-y-4" noValidate>
      <div>
        <label htmlFor="username" className="label">
          Email address
        </label>
        <input
          id="username"
          name="username"
          type="email"
          autoComplete="username"
          required
          className="input"
          autoFocus
        />
      </div>
      <div>
        <label htmlFor="password" className="label">
          Password
        </label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          className="input"
        />
      </div>
      {error && (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      )}
      <button
        type="submit"
        className="btn btn-primary w-full justify-center"
        disabled={pending || !hydrated}
        aria-busy={pending}
      >
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
