import type { Metadata } from 'next';
import Link from 'next/link';
import { getMailbox } from '@/server/domain';
import { getForwarding } from '@/server/domain/forwarding';
import { currentWebSessionId, requireActor, isAdmin } from '@/server/web/session';
import { ActionForm } from '@/components/ui/action-form';
import { PageHeader } from '@/components/ui/page';
import { QuotaBar } from '@/components/ui/quota-bar';
import { SignOutButton } from '@/components/ui/sign-out-button';
import { changeOwnPasswordAction, setForwardingAction } from './actions';
import { SessionsSection } from './sessions';
import { AppPasswordsSection, TwoFactorSection } from './security';

export const metadata: Metadata = { title: 'My account' };
export const dynamic = 'force-dynamic';

export default async function AccountPage() {
  const actor = await requireActor('/account');
  const [mailbox, forwarding, currentSessionId] = await Promise.all([
    getMailbox(actor.name, actor),
    getForwarding(actor.name, actor),
    currentWebSessionId(),
  ]);
  return (
    <div className="min-h-screen">
      <header className="flex flex-wrap items-center justify-between gap-3 border-b border-slate-200 bg-white px-4 py-2 text-sm">
        <span className="font-semibold">Postroom</span>
        <span className="flex items-center gap-3">
          <Link href="/mail">Webmail</Link>
          {isAdmin(actor) && <Link href="/admin">Console</Link>}
          <SignOutButton />
        </span>
      </header>
      <main className="mx-auto max-w-3xl p-4 md:p-6">
        <PageHeader
          title="My account"
          description={`${mailbox.displayName ? `${mailbox.displayName} · ` : ''}${mailbox.address}`}
        />
        <section className="card mb-6" aria-labelledby="quota-heading">
          <h2 id="quota-heading" className="mb-2 font-semibold">
            Storage
          </h2>
          <QuotaBar used={mailbox.usedBytes} quota={mailbox.quotaBytes} />
        </section>
        {actor.userId !== undefined && (
          <section className="card mb-6" aria-labelledby="devices-heading">
            <h2 id="devices-heading" className="mb-2 font-semibold">
              Mail apps
            </h2>
            <p className="text-sm text-slate-600">
              Thunderbird and Outlook set themselves up from your address.{' '}
              <a href="/account/mobileconfig" download data-testid="mobileconfig-link" className="underline">
                Download the profile for Apple Mail
              </a>{' '}
              (iPhone, iPad, Mac) and open it to add this account.
            </p>
          </section>
        )}
        {actor.userId !== undefined && <SessionsSection userId={actor.userId} currentId={currentSessionId} />}
        {actor.userId !== undefined && <TwoFactorSection userId={actor.userId} />}
        {actor.userId !== undefined && <AppPasswordsSection userId={actor.userId} />}
        <div className="grid gap-6 md:grid-cols-2">
          <section className="card" aria-labelledby="password-heading">
            <h2 id="password-heading" className="mb-3 font-semibold">
              Change password
            </h2>
            <ActionForm
              action={changeOwnPasswordAction}
              resetOnSuccess
              submitLabel="Change password"
              testId="own-password-form"
              fields={[
                { name: 'current', label: 'Current password', type: 'password', required: true },
                { name: 'password', label: 'New password', type: 'new-password', required: true },
                { name: 'confirm', label: 'Repeat new password', type: 'password', required: true },
              ]}
            />
          </section>
          <section className="card" aria-labelledby="forwarding-heading">
            <h2 id="forwarding-heading" className="mb-3 font-semibold">
              Forwarding
            </h2>
            <ActionForm
              action={setForwardingAction}
              submitLabel="Save forwarding"
              testId="forwarding-form"
              fields={[
                {
                  name: 'destinations',
                  label: 'Forward my mail to',
                  type: 'textarea',
                  defaultValue: forwarding.destinations.join('\n'),
                  placeholder: 'one address per line',
                  hint: 'Leave empty to turn forwarding off.',
                },
                {
                  name: 'keepCopy',
                  label: 'Keep a copy in this mailbox',
                  type: 'checkbox',
                  defaultValue: forwarding.keepCopy ? 'yes' : '',
                },
              ]}
            />
          </section>
        </div>
      </main>
    </div>
  );
}
