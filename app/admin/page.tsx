import { requireAdmin } from '@/server/web/session';

export const dynamic = 'force-dynamic';

export default async function Dashboard() {
  const actor = await requireAdmin('/admin');
  return <main className="p-6"><h1 className="text-2xl font-semibold">Dashboard</h1><p>Signed in as {actor.name}</p></main>;
}
