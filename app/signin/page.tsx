import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { getActor } from '@/server/web/session';
import { needsSetup } from '@/server/web/setup';
import { SignInForm } from '@/components/ui/sign-in-form';

export const metadata: Metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

/** Only same-site paths may be a destination after sign-in (no open redirect). */
function safePath(value: string | undefined): string {
  return value && value.startsWith('/') && !value.startsWith('//') ? value : '/';
}

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string; error?: string }>;
}) {
  const params = await searchParams;
  if (await needsSetup()) redirect('/setup');
  if (await getActor()) redirect(safePath(params.callbackUrl));
  const error =
    params.error && params.error !== 'CredentialsSignin' && params.error !== 'SessionRequired'
      ? params.error
      : params.error === 'CredentialsSignin'
        ? 'Wrong address or password.'
        : undefined;
  return (
    <main className="mx-auto flex min-h-screen max-w-sm flex-col justify-center p-6">
      <h1 className="mb-1 text-2xl font-semibold">Postroom</h1>
      <p className="mb-6 text-sm text-slate-600">Sign in with your mailbox address.</p>
      <div className="card">
        <SignInForm callbackUrl={safePath(params.callbackUrl)} initialError={error} />
      </div>
    </main>
  );
}
