'use client';
// The access rules' "try it" box: which rule decides each SMTP step and the exact reply.
import { useActionState } from 'react';
import type { TryState } from '@/app/admin/access/actions';
import { SubmitButton } from '@/components/ui/form';

const TONE: Record<string, string> = {
  accept: 'bg-green-100 text-green-800',
  reject: 'bg-red-100 text-red-800',
  discard: 'bg-amber-100 text-amber-900',
};

export function TryPolicy({ action }: { action: (previous: TryState, form: FormData) => Promise<TryState> }) {
  const [state, submit] = useActionState(action, {});
  const input = (name: string, label: string, placeholder: string, required = false) => (
    <div>
      <label htmlFor={`try-${name}`} className="label">
        {label}
      </label>
      <input
        id={`try-${name}`}
        name={name}
        placeholder={placeholder}
        required={required}
        defaultValue={state.values?.[name]}
        className="input"
      />
    </div>
  );
  return (
    <div>
      <form action={submit} className="grid gap-3 md:grid-cols-2" data-testid="try-policy-form">
        {input('clientIp', 'Client IP', '203.0.113.7', true)}
        {input('clientHostname', 'Client host name (optional)', 'mail.example.net')}
        {input('sender', 'Sender', 'someone@example.net')}
        {input('recipient', 'Recipient', 'you@your-domain.org')}
        {input('authUser', 'Authenticated as (optional)', 'a mailbox address')}
        <div className="flex items-end">
          <SubmitButton pendingText="Checking…">Try it</SubmitButton>
        </div>
      </form>
      {state.error && (
        <p
          role="alert"
          className="mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800"
        >
          {state.error}
        </p>
      )}
      {state.final && state.stages && (
        <div className="mt-4" role="status" data-testid="try-result">
          <p className="mb-2 text-sm">
            Result:{' '}
            <span className={`badge ${TONE[state.final.verdict] ?? ''}`} data-verdict={state.final.verdict}>
              {state.final.verdict}
            </span>{' '}
            <code className="font-mono text-sm" data-testid="try-reply">
              {state.final.reply}
            </code>
          </p>
          <ol className="space-y-2">
            {state.stages.map((stage) => (
              <li key={stage.stage} className="rounded-md border border-slate-200 p-2 text-sm">
                <div className="flex flex-wrap items-center gap-2">
                  <span className="font-medium">{stage.stage}</span>
                  <span className={`badge ${TONE[stage.verdict] ?? ''}`}>{stage.verdict}</span>
                  <code className="font-mono text-xs break-all">{stage.reply}</code>
                </div>
                <div className="mt-1 text-xs text-slate-600">
                  {stage.rule ? (
                    <>
                      Rule <code className="font-mono">{stage.rule}</code> —{' '}
                    </>
                  ) : (
                    'No rule matched — '
                  )}
                  {stage.reason}
                </div>
              </li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}
