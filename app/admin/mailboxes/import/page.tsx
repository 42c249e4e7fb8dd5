import type { Metadata } from 'next';
import { requireAdmin } from '@/server/web/session';
import { PageHeader } from '@/components/ui/page';
import { ImapImportForm } from '@/components/admin/imap-import-form';
import { importStatusAction, startImportAction } from '../import-actions';

export const metadata: Metadata = { title: 'Move mail from another server' };

export default async function ImapImportPage() {
  await requireAdmin('/admin/mailboxes/import');
  return (
    <>
      <PageHeader
        title="Move mail from another server"
        description="Copies every folder of each source account over IMAP into a mailbox here. Passwords are used for this run only and never stored; running it again copies only what is new."
      />
      <ImapImportForm start={startImportAction} status={importStatusAction} />
    </>
  );
}
