'use client';
// The access rules' "try it" box: which rule decides each SMTP step and the exact reply.
import { useActionState } from 'react';
import type { TryState } from '@/app/admin/access/actions';
import { SubmitButton } from '@/components/ui/form';

const TONE: Record<string, string> = { accept: 'bg-green-100 text-green-800', reject: 'bg-red-100 text-red-800', discard: 'bg-amber-100 text-amber-900' };

export function TryPolicy({ action }: { action: (previous: TryState, form: FormData) => Promise<TryState> }) {
  const [state, submit] = useActionState(action, {});
  const input = (name: string, label: string, placeholder: string, required = false) => (
    <div><label htmlFor={`try-${name}`} className="label">{label}</label><input id={`try-${name}`} name={name} placeholder={placeholder} required={required} className="input" /></div>
  );
  return (
    <div>
      <form action={submit} className="grid gap-3 md:grid-cols-2" data-testid="try-policy-form">
        {input('clientIp', 'Client IP', '203.0.113.7', true)}
        {input('clientHostname', 'Client host name (optional)', 'mail.example.net')}
        {input('sender', 'Sender', 'someone@example.net')}
        {input('recipient', 'Recipient', 'you@your-domain.org')}
        {input('authUser', 'Authenticated as (optional)', 'a mailbox address')}
        <div className="flex items-end"><SubmitButton pendingText="Checking…">Try it</SubmitButton></div>
      </form>
      {state.error && <p role="alert" className="mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">{state.error}</p>}
      {state.final && state.stages && (
        <div className="mt-4" role="status" data-testid="try-result">
          <p className="mb-2 text-sm">
            Result: <span className={`badge ${TONE[state.final.verdict] ?? ''}`} data-verdict={state.final.verdict}>{state.final.verdict}</span>{' '}
            <code className="font-mono text-sm" data-testid="try-reply">{state.final.reply}</code>
          </p>
          <table className="table">
            <thead><tr><th scope="col">Step</th><th scope="col">Decision</th><th scope="col">Deciding rule</th><th scope="col">Reply</th><th scope="col">Why</th></tr></thead>
            <tbody>
              {state.stages.map((stage) => (
                <tr key={stage.stage}>
                  <td>{stage.stage}</td>
                  <td><span className={`badge ${TONE[stage.verdict] ?? ''}`}>{stage.verdict}</span></td>
                  <td className="font-mono text-xs">{stage.rule ?? <span className="text-slate-400">no rule</span>}</td>
                  <td className="font-mono text-xs">{stage.reply}</td>
                  <td className="text-xs text-slate-600">{stage.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
