// The webmail. Any signed-in mailbox may use it; it only ever shows that mailbox.
import { isAdmin, requireActor } from '@/server/web/session';
import { getMailbox } from '@/server/domain/mailboxes';
import { MailApp } from '@/components/mail/mail-app';

export const dynamic = 'force-dynamic';

export default async function MailPage() {
  const actor = await requireActor('/mail');
  const mailbox = await getMailbox(actor.name, actor);
  return <MailApp address={mailbox.address} displayName={mailbox.displayName} isAdmin={isAdmin(actor)} />;
}
