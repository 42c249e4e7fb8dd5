// The webmail's Filters page: rules, vacation reply and the raw Sieve script of the signed-in
// mailbox (through /api/mail/filters, which acts on that mailbox only).
import type { Metadata } from 'next';
import { requireActor } from '@/server/web/session';
import { getMailbox } from '@/server/domain/mailboxes';
import { FiltersApp } from '@/components/mail/filters/filters-app';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Filters' };

export default async function FiltersPage() {
  const actor = await requireActor('/mail/filters');
  const mailbox = await getMailbox(actor.name, actor);
  return <FiltersApp address={mailbox.address} />;
}
