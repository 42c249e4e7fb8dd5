import Link from 'next/link';
import { forbidden } from 'next/navigation';
import { getActor, isAdmin } from '@/server/web/session';
import { isSuper } from '@/server/domain/rights';
import { AdminNav, type NavItem } from '@/components/admin/nav';
import { SignOutButton } from '@/components/ui/sign-out-button';

export const dynamic = 'force-dynamic';

export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  // Signed out: the page itself redirects to sign-in (it knows its own path for the way back).
  const actor = await getActor();
  if (!actor) return <>{children}</>;
  if (!isAdmin(actor)) forbidden();
  const items: NavItem[] = [
    { href: '/admin', label: 'Dashboard' },
    { href: '/admin/domains', label: 'Domains' },
    { href: '/admin/mailboxes', label: 'Mailboxes' },
    { href: '/admin/aliases', label: 'Aliases' },
    ...(isSuper(actor) ? [{ href: '/admin/access', label: 'Access rules' }] : []),
    // Domain admins see their own domains' queue and logs.
    { href: '/admin/queue', label: 'Queue' },
    { href: '/admin/logs', label: 'Logs' },
    ...(isSuper(actor)
      ? [
          { href: '/admin/audit', label: 'Audit log' },
          { href: '/admin/settings', label: 'Settings' },
        ]
      : []),
  ];
  return (
    <div className="min-h-screen md:grid md:grid-cols-[13rem_1fr]">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-10 focus:rounded focus:bg-white focus:px-3 focus:py-2"
      >
        Skip to content
      </a>
      <aside className="border-b border-slate-200 bg-slate-100 p-3 md:min-h-screen md:border-r md:border-b-0">
        <div className="mb-3 flex items-center justify-between px-2 md:block">
          <Link href="/admin" className="text-lg font-semibold text-slate-900 no-underline">
            Postroom
          </Link>
          <p className="text-xs text-slate-500 md:mt-1">
            {actor.role === 'super' ? 'Super admin' : 'Domain admin'}
          </p>
        </div>
        <AdminNav items={items} />
      </aside>
      <div className="min-w-0">
        <header className="flex flex-wrap items-center justify-end gap-3 border-b border-slate-200 bg-white px-4 py-2 text-sm">
          <span className="text-slate-600" data-testid="signed-in-as">
            {actor.name}
          </span>
          <Link href="/account">My account</Link>
          <Link href="/mail">Webmail</Link>
          <SignOutButton />
        </header>
        <main id="main" tabIndex={-1} className="mx-auto max-w-6xl p-4 md:p-6">
          {children}
        </main>
      </div>
    </div>
  );
}
