import type { Metadata } from 'next';
import { requireAdmin } from '@/server/web/session';
import { PageHeader } from '@/components/ui/page';
import { BulkMailboxesForm } from '@/components/admin/bulk-mailboxes-form';
import { bulkCreateMailboxesAction } from '../bulk-actions';

export const metadata: Metadata = { title: 'Add mailboxes from CSV' };

export default async function BulkMailboxesPage() {
  await requireAdmin('/admin/mailboxes/bulk');
  return (
    <>
      <PageHeader
        title="Add mailboxes from CSV"
        description="Each row is checked like the Add mailbox form; rows that are refused are listed with the reason and the others are created."
      />
      <BulkMailboxesForm action={bulkCreateMailboxesAction} />
    </>
  );
}
