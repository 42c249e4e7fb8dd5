import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { needsSetup } from '@/server/web/setup';
import { SetupForm } from '@/components/ui/setup-form';

export const metadata: Metadata = { title: 'First-time setup' };
export const dynamic = 'force-dynamic';

export default async function SetupPage() {
  // Locked for good once a super admin exists.
  if (!(await needsSetup())) notFound();
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center p-6">
      <h1 className="mb-1 text-2xl font-semibold">Welcome to Postroom</h1>
      <p className="mb-6 text-sm text-slate-600">
        This database has no administrator yet. Create the first super admin; this page then locks itself.
      </p>
      <div className="card">
        <SetupForm />
      </div>
    </main>
  );
}
