import { redirect } from 'next/navigation';
import { getActor, isAdmin } from '@/server/web/session';
import { needsSetup } from '@/server/web/setup';

export const dynamic = 'force-dynamic';

export default async function Home() {
  if (await needsSetup()) redirect('/setup');
  const actor = await getActor();
  if (!actor) redirect('/signin');
  // Admins run the server from the console; everyone else came for their mail.
  redirect(isAdmin(actor) ? '/admin' : '/mail');
}
