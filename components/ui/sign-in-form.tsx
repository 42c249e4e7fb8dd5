'use client';
// Sign-in through next-auth's credentials endpoint (it brings its own CSRF token).
import { useEffect, useState } from 'react';
import { signIn } from 'next-auth/react';

export function SignInForm({ callbackUrl, initialError }: { callbackUrl: string; initialError?: string }) {
  const [error, setError] = useState(initialError);
  const [pending, setPending] = useState(false);
  // Until React has attached onSubmit, Enter would make the browser submit the form itself (the
  // password in a GET query). The button stays disabled until then, which blocks that submission.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(undefined);
    const result = await signIn('credentials', {
      username: form.get('username'),
      password: form.get('password'),
      redirect: false,
      callbackUrl,
    });
    setPending(false);
    if (!result || result.error) {
      setError(
        !result || result.error === 'CredentialsSignin'
          ? 'Wrong address or password.'
          : (result.error ?? undefined),
      );
      return;
    }
    window.location.assign(
      result.url && new URL(result.url, window.location.href).origin === window.location.origin
        ? result.url
        : callbackUrl,
    );
  }

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
