import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { listAccessRules, requireSuper } from '@/server/domain';
import { requireAdmin } from '@/server/web/session';
import { guard } from '@/server/web/guard';
import { ActionForm } from '@/components/ui/action-form';
import { PageHeader } from '@/components/ui/page';
import { ruleFields } from '@/components/admin/rule-fields';
import { updateRuleAction } from '../actions';

export const metadata: Metadata = { title: 'Edit access rule' };

export default async function EditRulePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const actor = await requireAdmin(`/admin/access/${id}`);
  await guard(async () => requireSuper(actor));
  const rule = (await listAccessRules()).find((candidate) => candidate.id === Number(id));
  if (!rule) notFound();
  return (
    <>
      <PageHeader title={`Edit rule #${rule.id}`} />
      <div className="card max-w-xl">
        <ActionForm
          action={updateRuleAction}
          hidden={{ id: String(rule.id) }}
          fields={ruleFields(rule)}
          submitLabel="Save rule"
        />
      </div>
    </>
  );
}
