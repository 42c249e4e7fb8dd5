import type { Metadata } from 'next';
import Link from 'next/link';
import { getMailbox, isSuper, requireDomain } from '@/server/domain';
import { db } from '@/server/core/db';
import { requireAdmin } from '@/server/web/session';
import { guard } from '@/server/web/guard';
import { ActionForm, type FieldSpec } from '@/components/ui/action-form';
import { Badge, PageHeader } from '@/components/ui/page';
import { QuotaBar } from '@/components/ui/quota-bar';
import { formatBytes, formatCount } from '@/components/ui/numbers';
import { LocalTime } from '@/components/ui/format';
import { displayDomain, displayAddress } from '@/server/domain/names';
import {
  removeMailboxAction,
  resetPasswordAction,
  setMailboxEnabledAction,
  updateMailboxAction,
} from '../actions';
import { deactivateSieveAction } from '../sieve-actions';
import { mailboxSieveStatus } from '@/server/web/mailbox-sieve';

export const metadata: Metadata = { title: 'Mailbox' };

function sizeText(bytes: bigint): string {
  if (bytes === 0n) return '0';
  for (const [unit, size] of [
    ['G', 1024n ** 3n],
    ['M', 1024n ** 2n],
    ['K', 1024n],
  ] as const)
    if (bytes % size === 0n) return `${bytes / size}${unit}`;
  return String(bytes);
}

export default async function MailboxPage({
  params,
  searchParams,
}: {
  params: Promise<{ address: string }>;
  searchParams: Promise<{ created?: string; sieve?: string }>;
}) {
  const address = decodeURIComponent((await params).address);
  const actor = await requireAdmin(`/admin/mailboxes/${encodeURIComponent(address)}`);
  // getMailbox lets a user read their own row; this page is for the admins of its domain only.
  const mailbox = await guard(async () => {
    requireDomain(actor, address.slice(address.lastIndexOf('@') + 1).toLowerCase());
    return getMailbox(address, actor);
  });
  const { created, sieve: sieveChange } = await searchParams;
  const sieve = await mailboxSieveStatus(mailbox.address, actor);
  const stored = await db().message.aggregate({
    where: { folder: { userId: mailbox.id } },
    _count: { _all: true },
    _sum: { size: true },
  });
  const superAdmin = isSuper(actor);
  const editable = superAdmin || mailbox.role === 'user';
  const hidden = { address: mailbox.address };
  const detailFields: FieldSpec[] = [
    { name: 'displayName', label: 'Display name', defaultValue: mailbox.displayName },
    {
      name: 'quota',
      label: 'Quota',
      defaultValue: sizeText(mailbox.quotaBytes),
      hint: 'Like 500M or 2G; 0 means no limit.',
    },
    ...(superAdmin
      ? [
          {
            name: 'role',
            label: 'Role',
            type: 'select',
            defaultValue: mailbox.role,
            options: [
              { value: 'user', label: 'User' },
              { value: 'domain_admin', label: 'Domain admin' },
              { value: 'super', label: 'Super admin' },
            ],
          } satisfies FieldSpec,
          {
            name: 'manages',
            label: 'Manages domains',
            defaultValue: mailbox.manages.join(', '),
            hint: 'Comma-separated domain names.',
            showWhen: { field: 'role', values: ['domain_admin'] },
          } satisfies FieldSpec,
        ]
      : []),
  ];
  return (
    <>
      <PageHeader
        title={displayAddress(mailbox.address)}
        description={
          <>
            {mailbox.displayName || 'No display name'} · created{' '}
            <LocalTime iso={mailbox.createdAt.toISOString()} /> ·{' '}
            <Link href={`/admin/mailboxes?domain=${mailbox.domain}`}>
              all mailboxes of {displayDomain(mailbox.domain)}
            </Link>
          </>
        }
      >
        {mailbox.enabled ? <Badge tone="ok">active</Badge> : <Badge tone="bad">disabled</Badge>}
        {sieve.activeScript && (
          <Badge tone="info">
            <span data-testid="sieve-badge">{sieve.vacation ? 'vacation reply on' : 'filters on'}</span>
          </Badge>
        )}
        {mailbox.role !== 'user' && (
          <Badge tone="info">
            {mailbox.role === 'super'
              ? 'super admin'
              : `domain admin of ${mailbox.manages.join(', ') || 'no domain yet'}`}
          </Badge>
        )}
      </PageHeader>
      {created && (
        <p
          role="status"
          className="mb-4 rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800"
        >
          Mailbox {mailbox.address} created. It can sign in now.
        </p>
      )}
      <section className="card mb-6" aria-labelledby="storage-heading">
        <h2 id="storage-heading" className="mb-2 font-semibold">
          Storage
        </h2>
        <QuotaBar used={mailbox.usedBytes} quota={mailbox.quotaBytes} />
        <p className="mt-2 text-sm text-slate-600">
          {formatCount(stored._count._all)} message(s), {formatBytes(stored._sum.size ?? 0)}.
        </p>
      </section>
      {sieveChange === 'off' && !sieve.activeScript && (
        <p
          role="status"
          className="mb-4 rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800"
        >
          Filters turned off: mail is delivered to the Inbox and no vacation reply is sent. The user&apos;s
          scripts are kept.
        </p>
      )}
      <section className="card mb-6" aria-labelledby="sieve-heading" data-testid="sieve-status">
        <h2 id="sieve-heading" className="mb-2 font-semibold">
          Filters (Sieve)
        </h2>
        {sieve.activeScript ? (
          <>
            <p className="mb-3 text-sm text-slate-700">
              Active script <code>{sieve.activeScript}</code>
              {sieve.vacation
                ? ', with a vacation reply: senders get an automatic answer.'
                : '; it has no vacation reply.'}{' '}
              Turning it off delivers mail to the Inbox again; the user&apos;s scripts are kept.
            </p>
            {editable && (
              <ActionForm
                action={deactivateSieveAction}
                hidden={hidden}
                fields={[]}
                submitLabel="Turn off filters"
                variant="plain"
                testId="sieve-deactivate-form"
              />
            )}
          </>
        ) : (
          <p className="text-sm text-slate-600">
            No active script: mail goes to the Inbox, no vacation reply.
          </p>
        )}
      </section>
      {!editable ? (
        <p className="card text-sm text-slate-700">Only a super admin may change an admin&apos;s mailbox.</p>
      ) : (
        <div className="grid gap-6 md:grid-cols-2">
          <section className="card" aria-labelledby="details-heading">
            <h2 id="details-heading" className="mb-3 font-semibold">
              Details
            </h2>
            <ActionForm
              action={updateMailboxAction}
              hidden={hidden}
              fields={detailFields}
              submitLabel="Save details"
              testId="mailbox-details-form"
            />
          </section>
          <section className="card" aria-labelledby="password-heading">
            <h2 id="password-heading" className="mb-3 font-semibold">
              Reset password
            </h2>
            <ActionForm
              action={resetPasswordAction}
              hidden={hidden}
              resetOnSuccess
              submitLabel="Set new password"
              testId="reset-password-form"
              fields={[
                { name: 'password', label: 'New password', type: 'new-password', required: true },
                { name: 'confirm', label: 'Repeat new password', type: 'password', required: true },
              ]}
            />
          </section>
          <section className="card" aria-labelledby="enabled-heading">
            <h2 id="enabled-heading" className="mb-2 font-semibold">
              {mailbox.enabled ? 'Disable' : 'Enable'}
            </h2>
            <p className="mb-3 text-sm text-slate-600">
              {mailbox.enabled
                ? 'A disabled mailbox cannot sign in anywhere. Its mail is kept.'
                : 'Let the mailbox sign in again.'}
            </p>
            <ActionForm
              action={setMailboxEnabledAction}
              hidden={{ ...hidden, enabled: String(!mailbox.enabled) }}
              fields={[]}
              submitLabel={mailbox.enabled ? 'Disable mailbox' : 'Enable mailbox'}
              variant="plain"
            />
          </section>
          <section className="card border-red-200" aria-labelledby="remove-heading">
            <h2 id="remove-heading" className="mb-2 font-semibold text-red-800">
              Remove
            </h2>
            <p className="mb-3 text-sm text-slate-700">
              Removing the mailbox deletes its {formatCount(stored._count._all)} stored message(s) (
              {formatBytes(stored._sum.size ?? 0)}) and its folders for good; they cannot be restored. Mail
              sent to {mailbox.address} afterwards is refused, unless an alias or the domain&apos;s catch-all
              takes it.
            </p>
            <ActionForm
              action={removeMailboxAction}
              hidden={hidden}
              submitLabel="Remove mailbox"
              variant="danger"
              pendingText="Removing…"
              testId="remove-mailbox-form"
              fields={[
                {
                  name: 'confirm',
                  type: 'checkbox',
                  label: `Yes, delete ${mailbox.address} and all its mail`,
                },
              ]}
            />
          </section>
        </div>
      )}
    </>
  );
}
