import type { Metadata } from 'next';
import Link from 'next/link';
import { listAccessRules, removedAccessRule, requireSuper } from '@/server/domain';
import { requireAdmin } from '@/server/web/session';
import { guard } from '@/server/web/guard';
import { ActionForm } from '@/components/ui/action-form';
import { Badge, EmptyState, PageHeader } from '@/components/ui/page';
import { TryPolicy } from '@/components/admin/try-policy';
import { ruleFields } from '@/components/admin/rule-fields';
import { ResultNotice } from '@/components/ui/result-notice';
import {
  addRuleAction,
  moveRuleAction,
  removeRuleAction,
  restoreRuleAction,
  tryPolicyAction,
} from './actions';

export const metadata: Metadata = { title: 'Access rules' };

const ACTION_TONE = { REJECT: 'bad', DISCARD: 'warn', OK: 'ok', RELAY: 'info' } as const;

export default async function AccessPage({
  searchParams,
}: {
  searchParams: Promise<{ removed?: string; restored?: string }>;
}) {
  const actor = await requireAdmin('/admin/access');
  await guard(async () => requireSuper(actor));
  const { removed, restored } = await searchParams;
  const rules = await listAccessRules();
  const removedRule = removed && /^\d+$/.test(removed) ? await removedAccessRule(Number(removed)) : null;
  return (
    <>
      <PageHeader
        title="Access rules"
        description="Tried from the top for each SMTP step (connect, MAIL FROM, RCPT TO); the first matching rule decides. Replaces sendmail's access map and qmail's tcp.smtp."
      />
      {removedRule && (
        <ResultNotice
          undo={
            <ActionForm
              action={restoreRuleAction}
              hidden={{ id: String(removedRule.id) }}
              fields={[]}
              submitLabel="Undo"
              submitAriaLabel={`Undo: put the rule ${removedRule.pattern} back`}
              small
              variant="plain"
              layout="inline"
              testId="undo-rule-form"
            />
          }
        >
          Removed the rule {removedRule.scope} {removedRule.pattern} → {removedRule.action}.
        </ResultNotice>
      )}
      {restored && <ResultNotice>Put the rule {restored} back.</ResultNotice>}
      {rules.length === 0 ? (
        <EmptyState title="No access rules">
          Without rules, clients may connect, authenticated users may relay and everyone may send to the local
          domains.
        </EmptyState>
      ) : (
        <div className="card mb-6 overflow-x-auto p-0">
          <table className="table" aria-label="Access rules">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Applies to</th>
                <th scope="col">Pattern</th>
                <th scope="col">Action</th>
                <th scope="col">Message / note</th>
                <th scope="col">
                  <span className="sr-only">Order and actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rules.map((rule, index) => (
                <tr key={rule.id} data-rule-id={rule.id}>
                  <td className="tabular-nums text-slate-500">{index + 1}</td>
                  <td>{rule.scope}</td>
                  <td className="font-mono text-xs">{rule.pattern}</td>
                  <td>
                    <Badge tone={ACTION_TONE[rule.action as keyof typeof ACTION_TONE] ?? 'muted'}>
                      {rule.action}
                    </Badge>
                  </td>
                  <td className="text-xs">
                    {rule.message && <div>“{rule.message}”</div>}
                    {rule.note && <div className="text-slate-500">{rule.note}</div>}
                  </td>
                  <td>
                    <div className="flex flex-wrap justify-end gap-1">
                      {index > 0 && (
                        <ActionForm
                          action={moveRuleAction}
                          hidden={{ id: String(rule.id), direction: 'up' }}
                          fields={[]}
                          submitLabel="↑ Up"
                          submitAriaLabel={`Move rule ${index + 1} up`}
                          small
                          variant="plain"
                          layout="inline"
                        />
                      )}
                      {index < rules.length - 1 && (
                        <ActionForm
                          action={moveRuleAction}
                          hidden={{ id: String(rule.id), direction: 'down' }}
                          fields={[]}
                          submitLabel="↓ Down"
                          submitAriaLabel={`Move rule ${index + 1} down`}
                          small
                          variant="plain"
                          layout="inline"
                        />
                      )}
                      <Link
                        className="btn btn-small"
                        href={`/admin/access/${rule.id}`}
                        aria-label={`Edit rule ${index + 1}`}
                      >
                        Edit
                      </Link>
                      <ActionForm
                        action={removeRuleAction}
                        hidden={{ id: String(rule.id) }}
                        fields={[]}
                        submitLabel="Remove"
                        submitAriaLabel={`Remove rule ${index + 1}`}
                        confirm={`Really remove rule ${index + 1} (${rule.scope} ${rule.pattern} → ${rule.action})?`}
                        small
                        variant="plain"
                        layout="inline"
                      />
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="grid gap-6 lg:grid-cols-2">
        <section className="card" aria-labelledby="add-rule">
          <h2 id="add-rule" className="mb-3 font-semibold">
            Add a rule
          </h2>
          <ActionForm
            action={addRuleAction}
            fields={ruleFields()}
            resetOnSuccess
            submitLabel="Add rule"
            testId="add-rule-form"
          />
        </section>
        <section className="card" aria-labelledby="try-heading">
          <h2 id="try-heading" className="mb-1 font-semibold">
            Try it
          </h2>
          <p className="mb-3 text-sm text-slate-600">
            What the SMTP listener would answer, decided by the same policy code with the rules saved now.
          </p>
          <TryPolicy action={tryPolicyAction} />
        </section>
      </div>
    </>
  );
}
